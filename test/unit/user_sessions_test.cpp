// user_sessions_test.cpp - UserSessions: places per user and address, refusal at the limit, the
// reconnect grace, eviction of the oldest place (its sessions ended with the reason), and
// users without a limit.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/http/user_sessions.h"

using namespace std::chrono;

namespace {
const UserSessions::Clock::time_point t0{};
const SessionLimit two{2, false};
}  // namespace

TEST_CASE("UserSessions: the limit counts addresses, across streams", "[user_sessions]") {
    UserSessions sessions;
    auto a = sessions.open("alice", "10.0.0.1", two, nullptr, t0);
    auto a2 = sessions.open("alice", "10.0.0.1", two, nullptr, t0);  // same address, another stream
    auto b = sessions.open("alice", "10.0.0.2", two, nullptr, t0);
    REQUIRE(a.allowed);
    REQUIRE(a2.allowed);
    REQUIRE(b.allowed);
    CHECK(sessions.places("alice", t0) == 2);
    const auto c = sessions.open("alice", "10.0.0.3", two, nullptr, t0);
    CHECK_FALSE(c.allowed);
    CHECK(c.refusal == "maxsessions 2 reached for user alice");
    CHECK(sessions.open("bob", "10.0.0.3", two, nullptr, t0).allowed);  // per user
    CHECK(sessions.open("", "10.0.0.9", two, nullptr, t0).allowed);     // no user: not counted
    CHECK(sessions.open("carol", "10.0.0.9", SessionLimit{}, nullptr, t0).allowed);
}

TEST_CASE("UserSessions: a place is held for the reconnect grace", "[user_sessions]") {
    UserSessions sessions;
    auto a = sessions.open("alice", "10.0.0.1", two, nullptr, t0);
    auto b = sessions.open("alice", "10.0.0.2", two, nullptr, t0);
    a.ticket.reset();  // ended now (the ticket uses the real clock)
    const auto now = UserSessions::Clock::now();
    CHECK(sessions.places("alice", now) == 2);
    CHECK_FALSE(sessions.open("alice", "10.0.0.3", two, nullptr, now).allowed);
    auto again = sessions.open("alice", "10.0.0.1", two, nullptr, now);  // the reconnect
    CHECK(again.allowed);
    again.ticket.reset();
    const auto later = UserSessions::Clock::now() + UserSessions::kReconnectGrace;
    CHECK(sessions.places("alice", later) == 1);
    CHECK(sessions.open("alice", "10.0.0.3", two, nullptr, later).allowed);
}

TEST_CASE("UserSessions: evict oldest ends every session of the oldest place", "[user_sessions]") {
    UserSessions sessions;
    const SessionLimit one{1, true};
    std::vector<std::string> ended;
    auto end = [&ended](const std::string& reason) { ended.push_back(reason); };
    auto a = sessions.open("alice", "10.0.0.1", one, end, t0);
    auto a2 = sessions.open("alice", "10.0.0.1", one, end, t0);
    auto b = sessions.open("alice", "10.0.0.2", one, end, t0 + seconds(1));
    REQUIRE(b.allowed);
    CHECK(ended == std::vector<std::string>(2, "maxsessions 1 of user alice: evicted by a newer session from 10.0.0.2"));
    a.ticket.reset();  // the evicted sessions' tickets no longer count for anything
    a2.ticket.reset();
    CHECK(sessions.places("alice", t0 + seconds(1)) == 1);
}

namespace {
struct Target {
    std::vector<std::string> reasons;
    void disconnect(const std::string& reason) { reasons.push_back(reason); }
};
}  // namespace

TEST_CASE("DeferredEnd: an eviction before or after the target exists ends it", "[user_sessions]") {
    DeferredEnd<Target> early;
    early.ender()("evicted");
    auto first = std::make_shared<Target>();
    early.set(first);
    CHECK(first->reasons == std::vector<std::string>{"evicted"});

    DeferredEnd<Target> late;
    auto second = std::make_shared<Target>();
    late.set(second);
    late.ender()("evicted later");
    CHECK(second->reasons == std::vector<std::string>{"evicted later"});
}
