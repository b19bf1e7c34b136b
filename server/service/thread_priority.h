// thread_priority.h - newcomers first at the CPU. In a join storm the time to a viewer's first
// picture is mostly waiting for a CPU: first the acceptor, then the viewer's new thread, each
// behind the threads that write earlier viewers' backlog (and, on one box, the viewers' players).
// The acceptor runs at the lowest real-time priority; a connection's thread inherits it and drops
// to normal once it has written its first bytes, so that a start, which takes little CPU, never
// waits behind delivery, which takes much. Needs CAP_SYS_NICE; without it everything stays normal.
#pragma once

#include <string>

// The calling thread to SCHED_RR at priority 1; threads it creates inherit it. False with `error`
// when not permitted.
bool raise_thread_to_realtime(std::string& error);

// The calling thread back to SCHED_OTHER; nothing when it is there already.
void lower_thread_to_normal();
