// listener.h - opens a listening TCP socket for bin/server and bin/source alike.
#pragma once

#include <string>

#include "common/net/unique_fd.h"

struct ListenOptions {
    int backlog = 1024;
    int send_buffer = 0;  // SO_SNDBUF, inherited by accepted sockets; 0 = the kernel's autotuning
};

struct Listener {
    UniqueFd fd;          // non-blocking, close-on-exec; invalid when it could not listen
    std::string address;  // the bound address, "127.0.0.1:8000" or "[::]:8000" (the real port for 0)
    std::string error;    // why it could not listen
    std::string note;     // set when all interfaces fell back to IPv4 only, and why
};

// Binds `host` (a name or a literal; empty = every interface) and `port` (a number or a service name,
// "0" = any free port). Every interface is one IPv6 socket that takes IPv4 too (IPV6_V6ONLY off, whatever
// net.ipv6.bindv6only says), or IPv4 alone where the kernel has no IPv6. A name resolving to both
// families binds IPv4, as Go's net.Listen does for "localhost".
Listener listen_tcp(const std::string& host, const std::string& port, const ListenOptions& options);
