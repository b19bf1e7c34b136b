// loopback_http_server.h - LoopbackHttpServer: an httplib::Server on an ephemeral 127.0.0.1 port, on a
// thread of its own, standing in for the far end of the server's outgoing requests (notification
// targets, static remotes). Handlers run on httplib's threads: they must not use Catch's assertions.
#pragma once

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "latch.h"

class LoopbackHttpServer {
public:
    LoopbackHttpServer() = default;
    ~LoopbackHttpServer() { stop(); }
    LoopbackHttpServer(const LoopbackHttpServer&) = delete;
    LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

    // Handlers are added here, before start().
    httplib::Server& server() { return server_; }

    // Binds and serves; returns once the server has answered a first request.
    void start() {
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // httplib's stop() does nothing before listen_after_bind() has begun its accept loop, and
        // the join would then hang; an answer, any answer, shows that the loop runs. Nothing is
        // routed for OPTIONS, so no handler sees this request.
        httplib::Client probe("127.0.0.1", port_);
        probe.set_connection_timeout(std::chrono::seconds(5));
        probe.set_read_timeout(std::chrono::seconds(5));
        REQUIRE(probe.Options("/"));
    }

    // Releases every hold(), stops the server and joins its thread. Idempotent.
    void stop() {
        released_.count_down();
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

    // For a handler that must hang: returns once stop() begins (after 10 s at most), so that the
    // end of a test never waits on it.
    void hold() { (void)released_.wait_for(std::chrono::seconds(10)); }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    Latch released_{1};
};
