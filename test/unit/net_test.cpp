// net_test.cpp - socket helpers that need a real socket: the accept queue's length.
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <vector>

#include "common/net/net.h"
#include "common/net/unique_fd.h"
#include "refusing_port.h"

TEST_CASE("accept_queue_length: connections the kernel completed and nobody accepted yet", "[net]") {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr = bind_to_loopback(listener.get());
    REQUIRE(::listen(listener.get(), 16) == 0);
    CHECK(accept_queue_length(listener.get()) == 0);

    std::vector<UniqueFd> clients;
    for (int i = 0; i < 3; ++i) {
        clients.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(::connect(clients.back().get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    CHECK(accept_queue_length(listener.get()) == 3);
    UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(accepted);
    CHECK(accept_queue_length(listener.get()) == 2);

    CHECK(accept_queue_length(-1) == 0);  // not a socket: cannot tell
}
