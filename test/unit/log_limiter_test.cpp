// log_limiter_test.cpp - LogLimiter: once per interval per key, the count of what was not logged, a
// bounded map.
#include <catch2/catch.hpp>

#include "common/log_limiter.h"

using namespace std::chrono;

TEST_CASE("LogLimiter: the first event of a key is logged, repeats within the interval are counted", "[log_limiter]") {
    LogLimiter limiter(seconds(60), 10);
    const auto t0 = LogLimiter::Clock::time_point() + hours(1);
    CHECK(limiter.admit("10.0.0.1", t0) == 1);
    for (int i = 0; i < 999; ++i) CHECK(limiter.admit("10.0.0.1", t0 + seconds(1)) == 0);
    CHECK(limiter.admit("10.0.0.2", t0 + seconds(2)) == 1);  // another key has its own interval
    CHECK(limiter.admit("10.0.0.1", t0 + seconds(59)) == 0);
    // The next line stands for itself and the 1000 not logged.
    CHECK(limiter.admit("10.0.0.1", t0 + seconds(60)) == 1001);
    CHECK(limiter.admit("10.0.0.1", t0 + seconds(61)) == 0);
}

TEST_CASE("LogLimiter: keys beyond the bound share one entry, and quiet keys are forgotten", "[log_limiter]") {
    LogLimiter limiter(seconds(60), 3);
    const auto t0 = LogLimiter::Clock::time_point() + hours(1);
    CHECK(limiter.admit("a", t0) == 1);
    CHECK(limiter.admit("b", t0) == 1);
    CHECK(limiter.admit("c", t0) == 1);
    // The map is full: a flood of new addresses is one line per interval, not one each.
    CHECK(limiter.admit("d", t0) == 1);
    for (int i = 0; i < 100; ++i) CHECK(limiter.admit("x" + std::to_string(i), t0 + seconds(1)) == 0);
    // Once the interval has passed, old keys make room for new ones.
    CHECK(limiter.admit("e", t0 + seconds(61)) == 1);
    CHECK(limiter.admit("e", t0 + seconds(62)) == 0);
}
