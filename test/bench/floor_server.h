// floor_server.h - the floor the bench compares bin/server with: the strongest simple fan-out. One
// thread and epoll; the upstream is cut into batches of 64 KiB or 50 ms of stream, whichever comes
// first, and each viewer gets one send() per batch (a viewer behind gets one writev() of what it
// owes when its socket has room). No copy per viewer; a viewer more than a few seconds behind is
// dropped. Run as its own process (`bin/bench --floor-server ...`) so that its CPU time is measured alone.
#pragma once

// Usage: bench --floor-server --upstream http://HOST:PORT/PATH [--listen HOST:PORT]
// Logs "event=listening address=HOST:PORT" on stderr once the upstream answered and it accepts viewers.
int floor_server_main(int argc, char** argv);
