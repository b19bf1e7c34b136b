// hls_sessions_test.cpp - HlsSessions: a client address and user seen within `idle` is one session;
// it ends, once, after `idle` without a request, with its requests and bytes.
#include <catch2/catch.hpp>

#include "server/pipeline/hls_sessions.h"

namespace {
using namespace std::chrono_literals;
const HlsSessions::Clock::time_point t0 = HlsSessions::Clock::time_point{} + 1h;
}  // namespace

TEST_CASE("HlsSessions: requests of one address and user within idle are one session", "[hls_sessions]") {
    HlsSessions sessions(12s);
    CHECK_FALSE(sessions.is_known("10.0.0.1", "", t0));
    sessions.touch("10.0.0.1", "", t0);
    sessions.touch("10.0.0.1", "", t0 + 4s);
    sessions.count_bytes("10.0.0.1", "", 1000);
    sessions.touch("10.0.0.1", "bob", t0 + 4s);  // another user: another session
    sessions.touch("10.0.0.2", "", t0 + 5s);
    CHECK(sessions.is_known("10.0.0.1", "", t0 + 16s));
    CHECK(sessions.active(t0 + 16s) == 3);
    CHECK(sessions.sweep(t0 + 16s).empty());

    auto ended = sessions.sweep(t0 + 16s + 1ms);  // 10.0.0.1 and bob last seen at 4 s
    REQUIRE(ended.size() == 2);
    const HlsSession& first = ended[0].user.empty() ? ended[0] : ended[1];
    CHECK(first.address == "10.0.0.1");
    CHECK(first.requests == 2);
    CHECK(first.bytes == 1000);
    CHECK(first.last_seen - first.first_seen == 4s);
    CHECK(sessions.active(t0 + 16s + 1ms) == 1);
    CHECK_FALSE(sessions.is_known("10.0.0.1", "", t0 + 16s + 1ms));
    CHECK(sessions.sweep(t0 + 16s + 1ms).empty());  // each ends once
}
