// refusing_port.h - loopback sockets for unit tests: binding one to an ephemeral port, and a port
// where connects fail (for tests of outgoing HTTP requests).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/net/unique_fd.h"

// Binds fd to 127.0.0.1 on a port the kernel picks; returns that address.
inline sockaddr_in bind_to_loopback(int fd) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t length = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
    return addr;
}

// A port on which nothing listens: bound, so no other test takes it, but connecting is refused.
class RefusingPort {
public:
    RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), port_(ntohs(bind_to_loopback(fd_.get()).sin_port)) {}
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

private:
    UniqueFd fd_;
    int port_;
};
