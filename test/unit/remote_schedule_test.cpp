// remote_schedule_test.cpp - RemoteSchedule: failover order, rounds, backoff and "stay offline".
#include <catch2/catch.hpp>

#include <set>

#include "server/upstreams/remote_schedule.h"

using namespace std::chrono;
using Clock = RemoteSchedule::Clock;

TEST_CASE("RemoteSchedule: after a failure the next remote is tried at once", "[remote_schedule]") {
    RemoteSchedule schedule({2, 0, 1}, seconds(10), seconds(60));
    auto t = Clock::time_point{} + hours(1);
    REQUIRE(schedule.next(t).remote == std::size_t(2));
    schedule.report_failure(2, t);
    CHECK(schedule.next(t).remote == std::size_t(0));
    schedule.report_failure(0, t);
    CHECK(schedule.next(t).remote == std::size_t(1));
}

TEST_CASE("RemoteSchedule: after a full round it waits `reconnect`, then doubles per failure up to the cap",
          "[remote_schedule]") {
    // failures of the only remote: 1 -> wait 10 s, 2 -> 20 s, 3 -> 40 s, 4 -> 60 s (cap), 5 -> 60 s
    RemoteSchedule schedule({0}, seconds(10), seconds(60));
    auto t = Clock::time_point{} + hours(1);
    for (int expected : {10, 20, 40, 60, 60}) {
        schedule.report_failure(0, t);
        auto next = schedule.next(t);
        CHECK_FALSE(next.remote);
        CHECK(duration_cast<seconds>(next.wait).count() == expected);
        t += next.wait;
        CHECK(schedule.next(t).remote == std::size_t(0));
    }
}

TEST_CASE("RemoteSchedule: success resets the backoff", "[remote_schedule]") {
    RemoteSchedule schedule({0}, seconds(1), seconds(60));
    auto t = Clock::time_point{} + hours(1);
    schedule.report_failure(0, t);
    schedule.report_failure(0, t);
    schedule.report_success(0);
    schedule.report_failure(0, t);
    CHECK(duration_cast<seconds>(schedule.next(t).wait).count() == 1);
}

TEST_CASE("RemoteSchedule: reconnect 0 stays offline once every remote failed", "[remote_schedule]") {
    RemoteSchedule schedule({0, 1}, seconds(0), seconds(60));
    auto t = Clock::time_point{} + hours(1);
    schedule.report_failure(0, t);
    REQUIRE(schedule.next(t).remote == std::size_t(1));
    schedule.report_failure(1, t);
    CHECK(schedule.next(t).offline);
}

TEST_CASE("RemoteSchedule: shuffled_order is a permutation that depends on the seed", "[remote_schedule]") {
    std::set<std::vector<std::size_t>> orders;
    for (uint32_t seed = 0; seed < 20; ++seed) {
        auto order = RemoteSchedule::shuffled_order(4, seed);
        CHECK(std::set<std::size_t>(order.begin(), order.end()) == std::set<std::size_t>{0, 1, 2, 3});
        orders.insert(order);
    }
    CHECK(orders.size() > 1);
}

TEST_CASE("RemoteSchedule: next_other skips the live remote and the ones backing off", "[remote_schedule]") {
    RemoteSchedule schedule({0, 1, 2}, seconds(10), seconds(60));
    auto t = Clock::time_point{} + hours(1);
    CHECK(schedule.next_other(0, t) == std::size_t(1));
    schedule.report_failure(1, t);  // the cursor moves past 1
    CHECK(schedule.next_other(0, t) == std::size_t(2));
    schedule.report_failure(2, t);
    CHECK_FALSE(schedule.next_other(0, t));
    CHECK(schedule.next_other(0, t + seconds(10)) == std::size_t(1));
    RemoteSchedule alone({0}, seconds(10), seconds(60));
    CHECK_FALSE(alone.next_other(0, t));
}

TEST_CASE("RemoteSchedule: listed order is the order written", "[remote_schedule]") {
    CHECK(RemoteSchedule::listed_order(3) == std::vector<std::size_t>{0, 1, 2});
    RemoteSchedule schedule(RemoteSchedule::listed_order(3), std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
    const auto now = RemoteSchedule::Clock::now();
    CHECK(schedule.next(now).remote == std::size_t(0));
    schedule.report_failure(0, now);
    CHECK(schedule.next(now).remote == std::size_t(1));
}
