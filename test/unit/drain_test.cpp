// drain_test.cpp - the drain: its deadline parameter, the API's answers, and the timer that closes
// the viewers left (at once for deadline 0, never after stop()).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/http/drain.h"

using namespace std::chrono;

namespace {
HttpRequestInfo post(const char* deadline = nullptr) {
    HttpRequestInfo request;
    request.method = "POST";
    request.path = "/drain";
    if (deadline) request.query.emplace("deadline", deadline);
    return request;
}
}  // namespace

TEST_CASE("drain deadline: whole seconds up to a day, else a one-line error", "[drain]") {
    std::string error;
    CHECK(parse_drain_deadline(post(), seconds(60), error) == seconds(60));
    CHECK(parse_drain_deadline(post("0"), seconds(60), error) == seconds(0));
    CHECK(parse_drain_deadline(post("86400"), seconds(60), error) == seconds(86400));
    for (const char* bad : {"", "-1", "1.5", "abc", "86401", "99999999999999999999", " 5"}) {
        INFO(bad);
        error.clear();
        CHECK(!parse_drain_deadline(post(bad), seconds(60), error));
        CHECK(error.rfind("bad deadline", 0) == 0);
        CHECK(error.find('\n') == std::string::npos);
    }
}

TEST_CASE("drain API: POST only, 400 for a bad deadline, 409 the second time", "[drain]") {
    int starts = 0;
    seconds given{};
    auto start = [&](seconds deadline) {
        given = deadline;
        return ++starts == 1;
    };
    HttpRequestInfo get = post();
    get.method = "GET";
    HttpReply reply = drain_reply(get, seconds(60), start);
    CHECK(reply.status == 405);
    CHECK(reply.headers.at(0).second == "POST");
    CHECK(drain_reply(post("x"), seconds(60), start).status == 400);
    CHECK(starts == 0);
    CHECK(drain_reply(post("7"), seconds(60), start).status == 202);
    CHECK(given == seconds(7));
    reply = drain_reply(post(), seconds(60), start);
    CHECK(reply.status == 409);
    CHECK(reply.body == "409 already draining");
}

TEST_CASE("Drain: active from start, closes the viewers at the deadline, once", "[drain]") {
    std::atomic<int> closes{0};
    Drain drain([&] {
        ++closes;
        return 3u;
    });
    CHECK(!drain.active());
    CHECK(drain.start(seconds(0)));
    CHECK(drain.active());
    CHECK(!drain.start(seconds(0)));
    for (int i = 0; i < 200 && closes == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
    CHECK(closes == 1);
    drain.stop();
    CHECK(drain.active());  // a drained server keeps refusing new viewers
}

TEST_CASE("Drain: stop() ends the timer without closing anyone, and no drain starts after it", "[drain]") {
    std::atomic<int> closes{0};
    Drain drain([&] {
        ++closes;
        return 0u;
    });
    CHECK(drain.start(seconds(3600)));
    const auto before = steady_clock::now();
    drain.stop();
    CHECK(steady_clock::now() - before < seconds(5));
    CHECK(closes == 0);
    Drain stopped([] { return 0u; });
    stopped.stop();
    CHECK(!stopped.start(seconds(1)));
}
