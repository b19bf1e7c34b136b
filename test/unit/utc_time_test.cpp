// utc_time_test.cpp - iso8601_utc: the timestamp of every log line and access-log entry.
#include <catch2/catch.hpp>

#include "common/utc_time.h"

using namespace std::chrono;

namespace {
std::string at_ms(long long ms) { return iso8601_utc(system_clock::time_point(milliseconds(ms))); }
}  // namespace

TEST_CASE("iso8601_utc: UTC with zero-padded fields and milliseconds", "[utc_time]") {
    CHECK(at_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(at_ms(1764147901042) == "2025-11-26T09:05:01.042Z");
    CHECK(at_ms(951782400999) == "2000-02-29T00:00:00.999Z");  // leap day, last millisecond of its second
}

TEST_CASE("iso8601_utc: finer units are cut, not rounded up into the next second", "[utc_time]") {
    CHECK(iso8601_utc(system_clock::time_point(milliseconds(1999) + microseconds(999))) == "1970-01-01T00:00:01.999Z");
}
