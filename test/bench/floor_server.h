// floor_server.h - the floor the bench compares bin/server with: the least work a fan-out server
// can do. One thread, epoll, one upstream read fanned out with one send() per viewer; no queues.
// Run as its own process (`bin/bench --floor-server ...`) so that its CPU time is measured alone.
#pragma once

// Usage: bench --floor-server --upstream http://HOST:PORT/PATH [--listen HOST:PORT]
// Logs "event=listening address=HOST:PORT" on stderr once the upstream answered and it accepts viewers.
int floor_server_main(int argc, char** argv);
