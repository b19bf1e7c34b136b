// notifier_test.cpp - Notifier against an in-process httplib server on an ephemeral 127.0.0.1 port:
// heartbeat timing, limit events with their Authorization header, and that neither a dead nor a
// hanging target ever delays connections_changed() or stop().
#include <catch2/catch.hpp>

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "loopback_http_server.h"
#include "refusing_port.h"
#include "server/service/notifier.h"

using namespace std::chrono;
using Event = NotificationTarget::Event;

namespace {

struct Received {
    std::string path;
    std::string authorization;
    std::string switch_params;  // "site event stream" from the query, when it has an event
    steady_clock::time_point at;
};

// The notification target: records every GET. Paths under /hang wait until the test ends, so that
// stopping the server never waits long.
class FakeTarget {
public:
    FakeTarget() {
        http_.server().Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                const std::string params = req.has_param("event") ? req.get_param_value("site") + " " + req.get_param_value("event") +
                                                                        " " + req.get_param_value("stream")
                                                                  : "";
                received_.push_back({req.path, req.get_header_value("Authorization"), params, steady_clock::now()});
            }
            changed_.notify_all();
            if (req.path.rfind("/hang", 0) == 0) http_.hold();
            res.set_content("ok", "text/plain");
        });
        http_.start();
    }
    std::string url(const std::string& path) const { return http_.url(path); }

    // Waits until `count` requests arrived (false after `limit`), and returns them all.
    bool wait_for(std::size_t count, milliseconds limit = seconds(5)) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return received_.size() >= count; });
    }
    std::vector<Received> received() {
        std::lock_guard<std::mutex> lock(mutex_);
        return received_;
    }
    std::vector<std::string> paths() {
        std::vector<std::string> out;
        for (const auto& r : received()) out.push_back(r.path);
        return out;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Received> received_;
    LoopbackHttpServer http_;  // last, so that it stops before what its handler uses is gone
};

// The longest single connections_changed() call of `calls` alternating below/at the limit.
microseconds slowest_change(Notifier& notifier, int calls, unsigned full) {
    microseconds slowest{0};
    for (int i = 0; i < calls; ++i) {
        const auto start = steady_clock::now();
        notifier.connections_changed(i % 2 ? full : full - 1);
        slowest = std::max(slowest, duration_cast<microseconds>(steady_clock::now() - start));
    }
    return slowest;
}

}  // namespace

TEST_CASE("Notifier: heartbeats arrive once per interval", "[notifier]") {
    FakeTarget target;
    Notifier notifier({{Event::heartbeat, target.url("/beat"), ""}}, milliseconds(300), 0, seconds(1));
    const auto start = steady_clock::now();
    notifier.start();
    REQUIRE(target.wait_for(3));
    notifier.stop();

    const auto got = target.received();
    CHECK(got[0].path == "/beat");
    CHECK(got[0].at - start >= milliseconds(250));
    for (std::size_t i = 1; i < 3; ++i) {
        CHECK(got[i].at - got[i - 1].at >= milliseconds(200));
        CHECK(got[i].at - got[i - 1].at < milliseconds(1000));
    }
}

TEST_CASE("Notifier: limit_hit and limit_miss fire once per crossing, with their Authorization", "[notifier]") {
    FakeTarget target;
    Notifier notifier({{Event::limit_hit, target.url("/hit"), "Basic dXNlcjpwYXNz"},
                       {Event::limit_miss, target.url("/miss?x=1"), "Bearer token"},
                       {Event::heartbeat, target.url("/beat"), ""}},
                      seconds(3600), 3, seconds(1));
    notifier.start();

    // connections: 1 2 3 4 5 2 1 | 3  -> hit at 3, miss at 2, and the last hit is a fence: anything
    // queued before it would arrive before it.
    for (unsigned n : {1u, 2u, 3u, 4u, 5u, 2u, 1u}) notifier.connections_changed(n);
    REQUIRE(target.wait_for(2));
    notifier.connections_changed(3);
    REQUIRE(target.wait_for(3));

    const auto got = target.received();
    REQUIRE(got.size() == 3);
    CHECK(got[0].path == "/hit");
    CHECK(got[0].authorization == "Basic dXNlcjpwYXNz");
    CHECK(got[1].path == "/miss");
    CHECK(got[1].authorization == "Bearer token");
    CHECK(got[2].path == "/hit");
}

TEST_CASE("Notifier: failover and failback name the stream in the query; no switch target, no switch events", "[notifier]") {
    FakeTarget target;
    {
        Notifier notifier({{Event::failover, target.url("/switch?site=a"), ""}, {Event::failback, target.url("/back"), ""},
                           {Event::limit_hit, target.url("/hit"), ""}},
                          seconds(3600), 0, seconds(1));
        CHECK(notifier.wants_switches());
        notifier.start();
        notifier.stream_switched(Event::failover, "/tv one.ts");
        notifier.stream_switched(Event::failback, "/tv one.ts");
        REQUIRE(target.wait_for(2));
    }
    std::vector<std::string> got;
    for (const auto& r : target.received()) got.push_back(r.path + " " + r.switch_params);
    // The configured query is kept; the stream's path arrives decoded.
    CHECK(got == std::vector<std::string>{"/switch a failover /tv one.ts", "/back  failback /tv one.ts"});
    Notifier quiet({{Event::heartbeat, target.url("/beat"), ""}}, seconds(3600), 0, seconds(1));
    CHECK_FALSE(quiet.wants_switches());
}

TEST_CASE("Notifier: user:password in the URL is sent as Basic, unless an Authorization is configured", "[notifier]") {
    FakeTarget target;
    const std::string with_userinfo = "http://us%40er:pa:ss@" + target.url("/beat").substr(std::string("http://").size());
    Notifier notifier({{Event::heartbeat, with_userinfo, ""}, {Event::heartbeat, with_userinfo, "Bearer token"}},
                      milliseconds(200), 0, seconds(1));
    notifier.start();
    REQUIRE(target.wait_for(2));
    notifier.stop();

    const auto got = target.received();
    CHECK(got[0].authorization == "Basic dXNAZXI6cGE6c3M=");  // "us@er:pa:ss"
    CHECK(got[1].authorization == "Bearer token");
}

TEST_CASE("Notifier: a flapping count sends every transition in order", "[notifier]") {
    FakeTarget target;
    Notifier notifier({{Event::limit_hit, target.url("/hit"), ""}, {Event::limit_miss, target.url("/miss"), ""}},
                      milliseconds(0), 10, seconds(1));
    for (unsigned n : {10u, 9u, 10u, 9u, 11u}) notifier.connections_changed(n);  // queued before start
    notifier.start();
    REQUIRE(target.wait_for(5));
    CHECK(target.paths() == std::vector<std::string>{"/hit", "/miss", "/hit", "/miss", "/hit"});
}

TEST_CASE("Notifier: with fullconnections 0 limit events never fire", "[notifier]") {
    FakeTarget target;
    Notifier notifier({{Event::limit_hit, target.url("/hit"), ""}, {Event::heartbeat, target.url("/beat"), ""}},
                      milliseconds(200), 0, seconds(1));
    notifier.start();
    notifier.connections_changed(5);
    notifier.connections_changed(0);
    notifier.connections_changed(5);
    // A queued event would be sent before the first heartbeat, 200 ms later.
    REQUIRE(target.wait_for(1));
    notifier.stop();
    CHECK(target.paths().front() == "/beat");
    for (const auto& path : target.paths()) CHECK(path == "/beat");
}

TEST_CASE("Notifier: a dead target is logged and never delays connections_changed", "[notifier]") {
    RefusingPort dead;
    FakeTarget alive;
    Notifier notifier({{Event::limit_hit, dead.url("/hit"), ""},
                       {Event::limit_miss, dead.url("/miss"), ""},
                       {Event::limit_hit, alive.url("/hit"), ""}},
                      milliseconds(0), 2, seconds(1));
    notifier.start();
    // More flaps than the queue holds: the oldest pairs are dropped, callers never wait.
    CHECK(slowest_change(notifier, 1000, 2) < milliseconds(5));
    CHECK(alive.wait_for(1));  // the worker keeps going past the failures
    const auto start = steady_clock::now();
    notifier.stop();
    CHECK(steady_clock::now() - start < milliseconds(500));
}

TEST_CASE("Notifier: stop() returns promptly while a request hangs", "[notifier]") {
    FakeTarget target;
    Notifier notifier({{Event::limit_hit, target.url("/hang"), ""}}, milliseconds(0), 1, seconds(5));
    notifier.start();
    notifier.connections_changed(1);
    REQUIRE(target.wait_for(1));  // the worker is now waiting for the response

    CHECK(slowest_change(notifier, 100, 1) < milliseconds(5));
    const auto start = steady_clock::now();
    notifier.stop();
    CHECK(steady_clock::now() - start < milliseconds(1000));  // well under the 5 s timeout
}
