// content_health_test.cpp - ContentHealth: each check fails over only after holding `after` seconds
// in a row, a good second starts the count over, and a new connection forgets the old one.
#include <catch2/catch.hpp>

#include "server/pipeline/content_health.h"

using namespace std::chrono;

namespace {

struct Seconds {
    explicit Seconds(FailoverConfig config) : health(config) {}
    // One sample a second; the reason if it fails over.
    std::optional<std::string> next(uint64_t cc_errors, uint64_t bits, bool video) {
        now += seconds(1);
        return health.sample({cc_errors, bits, video}, now);
    }
    ContentHealth health;
    ContentHealth::Clock::time_point now = ContentHealth::Clock::time_point{} + hours(1);
};

FailoverConfig config(double cc, uint64_t bitrate, bool video, unsigned after) {
    FailoverConfig c;
    c.cc_errors_per_s = cc;
    c.min_bitrate = bitrate;
    c.require_video = video;
    c.after_s = after;
    return c;
}

}  // namespace

TEST_CASE("ContentHealth: no video for `after` seconds fails over, with the reason", "[content_health]") {
    Seconds s(config(0, 0, true, 3));
    CHECK_FALSE(s.next(0, 2000000, true));
    CHECK_FALSE(s.next(0, 2000000, false));  // the second since the last sample was bad
    CHECK_FALSE(s.next(0, 2000000, false));
    CHECK(s.next(0, 2000000, false) == std::string("no video for 3 s"));
}

TEST_CASE("ContentHealth: a good second starts the count over", "[content_health]") {
    Seconds s(config(0, 500000, false, 2));
    CHECK_FALSE(s.next(0, 100000, true));  // the first sample: bad from now
    CHECK_FALSE(s.next(0, 100000, true));
    CHECK_FALSE(s.next(0, 900000, true));
    CHECK_FALSE(s.next(0, 100000, true));
    CHECK(s.next(0, 100000, true) == std::string("bitrate 100000 below 500000 for 2 s"));
}

TEST_CASE("ContentHealth: CC errors a second above the threshold", "[content_health]") {
    Seconds s(config(50, 0, false, 1));
    CHECK_FALSE(s.next(0, 1, true));
    CHECK_FALSE(s.next(40, 1, true));    // 40 a second: fine
    CHECK(s.next(100, 1, true) == std::string("60.0 CC errors a second for 1 s"));
}

TEST_CASE("ContentHealth: a new connection forgets the bad seconds of the old one", "[content_health]") {
    Seconds s(config(0, 0, true, 2));
    CHECK_FALSE(s.next(0, 1, false));
    CHECK_FALSE(s.next(0, 1, false));
    s.health.restart();
    CHECK_FALSE(s.next(0, 1, false));
    CHECK_FALSE(s.next(0, 1, false));
    CHECK(s.next(0, 1, false));
}
