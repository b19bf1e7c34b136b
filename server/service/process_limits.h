// process_limits.h - process-wide settings for thousands of connection threads. main calls them
// once, before any thread starts.
#pragma once

// Raises the soft limit on open files to the hard one and sizes the descriptor table once; logs both.
void raise_open_files_limit();

// Linux 6.16 and later give a process with many threads a private futex hash that grows with its
// threads, and every futex operation takes a reference on it: with thousands of connection threads
// each waking a few times a second, that one shared count becomes the hottest line of the server.
// The global hash, which older kernels always use, has none. True when the kernel took the request.
bool use_global_futex_hash();
// The slots of the process's private futex hash; 0 for the global one, -1 before Linux 6.16.
int futex_hash_slots();
