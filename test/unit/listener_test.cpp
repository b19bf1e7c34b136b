// listener_test.cpp - listen_tcp: every interface is one socket for IPv6 and IPv4, a named host binds
// what it resolves to, and errors say why.
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <string>

#include "common/net/listener.h"
#include "common/net/net.h"

using namespace std::chrono;

namespace {
uint16_t port_of(const std::string& address) { return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))); }

bool accepts_from(const Listener& listener, const std::string& host) {
    std::string error;
    UniqueFd client = connect_tcp(host, port_of(listener.address), -1, seconds(2), error);
    if (!client) return false;
    WaitResult ready = wait_fd(listener.fd.get(), POLLIN, -1, seconds(2));
    UniqueFd accepted(::accept(listener.fd.get(), nullptr, nullptr));
    return ready == WaitResult::ready && static_cast<bool>(accepted);
}
}  // namespace

TEST_CASE("listen_tcp: an empty host takes IPv4 and IPv6 connections on one socket", "[listener]") {
    Listener listener = listen_tcp("", "0", ListenOptions{});
    REQUIRE(listener.fd);
    CHECK(listener.address.rfind("[::]:", 0) == 0);
    CHECK(listener.note.empty());
    CHECK(accepts_from(listener, "127.0.0.1"));
    CHECK(accepts_from(listener, "::1"));
}

TEST_CASE("listen_tcp: a literal host binds that address only", "[listener]") {
    Listener listener = listen_tcp("127.0.0.1", "0", ListenOptions{});
    REQUIRE(listener.fd);
    CHECK(listener.address.rfind("127.0.0.1:", 0) == 0);
    CHECK(accepts_from(listener, "127.0.0.1"));
    CHECK_FALSE(accepts_from(listener, "::1"));
}

TEST_CASE("listen_tcp: a port in use and an unknown host are errors with the reason", "[listener]") {
    Listener first = listen_tcp("127.0.0.1", "0", ListenOptions{});
    REQUIRE(first.fd);
    Listener second = listen_tcp("127.0.0.1", std::to_string(port_of(first.address)), ListenOptions{});
    CHECK_FALSE(second.fd);
    CHECK(second.error == "Address already in use");
    Listener unknown = listen_tcp("no-such-host.invalid", "0", ListenOptions{});
    CHECK_FALSE(unknown.fd);
    CHECK(unknown.error.find("no-such-host.invalid") != std::string::npos);
}

TEST_CASE("listen_tcp: an IPv4 peer of the dual-stack socket is named by its IPv4 address", "[listener]") {
    Listener listener = listen_tcp("", "0", ListenOptions{});
    REQUIRE(listener.fd);
    std::string error;
    UniqueFd client = connect_tcp("127.0.0.1", port_of(listener.address), -1, seconds(2), error);
    REQUIRE(client);
    REQUIRE(wait_fd(listener.fd.get(), POLLIN, -1, seconds(2)) == WaitResult::ready);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd accepted(::accept(listener.fd.get(), reinterpret_cast<sockaddr*>(&peer), &len));
    REQUIRE(accepted);
    CHECK(peer.ss_family == AF_INET6);  // ::ffff:127.0.0.1 to the kernel
    CHECK(format_address(reinterpret_cast<sockaddr*>(&peer)).rfind("127.0.0.1:", 0) == 0);
}
