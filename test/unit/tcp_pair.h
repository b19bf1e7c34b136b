// tcp_pair.h - both ends of one loopback TCP connection, for tests of code that writes to sockets.
#pragma once

#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "common/net/unique_fd.h"
#include "refusing_port.h"

// Both ends of one loopback TCP connection: `client` is the peer, `server` the accepted socket.
struct TcpPair {
    UniqueFd client, server;

    TcpPair() {
        UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in addr = bind_to_loopback(listener.get());
        REQUIRE(::listen(listener.get(), 1) == 0);
        client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        server.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        REQUIRE(server);
    }
    void send(const std::string& bytes) { REQUIRE(::send(client.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size())); }
};
