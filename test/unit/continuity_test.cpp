// continuity_test.cpp - ContinuityChecker: gaps, wrap, duplicates and the packets the spec exempts.
#include <catch2/catch.hpp>

#include <vector>

#include "common/ts/continuity.h"
#include "test/unit/synthetic_ts.h"

namespace {
using synthetic::make_packet;
using synthetic::PacketSpec;

// Checks packets of one PID with these counters; returns the errors.
uint64_t errors_for(const std::vector<int>& counters, uint16_t pid = 0x100) {
    ContinuityChecker checker;
    for (int cc : counters) checker.check(make_packet({pid, static_cast<uint8_t>(cc)}).data());
    return checker.errors();
}
}  // namespace

TEST_CASE("ContinuityChecker: counters that step by one are clean, across the wrap too", "[continuity]") {
    CHECK(errors_for({5, 6, 7, 8}) == 0);
    CHECK(errors_for({14, 15, 0, 1}) == 0);
}

TEST_CASE("ContinuityChecker: a gap counts once per missing run", "[continuity]") {
    // pkt  0 1 2 3
    // cc   5 6 8 9   <- gap before 2
    CHECK(errors_for({5, 6, 8, 9}) == 1);
    CHECK(errors_for({5, 6, 8, 9, 3}) == 2);
}

TEST_CASE("ContinuityChecker: the first packet of a PID sets its counter", "[continuity]") {
    ContinuityChecker checker;
    CHECK(checker.check(make_packet({0x100, 9}).data()));
    CHECK(checker.check(make_packet({0x200, 3}).data()));
    CHECK(checker.check(make_packet({0x100, 10}).data()));
    CHECK(checker.check(make_packet({0x200, 4}).data()));
    CHECK(checker.errors() == 0);
    CHECK(checker.pid_count() == 2);
}

TEST_CASE("ContinuityChecker: one duplicate is allowed, a second is an error", "[continuity]") {
    CHECK(errors_for({1, 2, 2, 3}) == 0);
    CHECK(errors_for({1, 2, 2, 2, 3}) == 1);
}

TEST_CASE("ContinuityChecker: exempt packets are not checked", "[continuity]") {
    ContinuityChecker checker;
    checker.check(make_packet({0x100, 4}).data());
    SECTION("without payload the counter does not advance") {
        PacketSpec adaptation_only{0x100, 4};
        adaptation_only.payload = false;
        CHECK(checker.check(make_packet(adaptation_only).data()));
        CHECK(checker.check(make_packet({0x100, 5}).data()));
    }
    SECTION("discontinuity_indicator restarts the counter") {
        PacketSpec restart{0x100, 12};
        restart.discontinuity = true;
        CHECK(checker.check(make_packet(restart).data()));
        CHECK(checker.check(make_packet({0x100, 13}).data()));
    }
    SECTION("null packets carry no counter") {
        CHECK(checker.check(make_packet({ts::kPidNull, 0}).data()));
        CHECK(checker.check(make_packet({ts::kPidNull, 0}).data()));
        CHECK(checker.pid_count() == 2);
    }
    CHECK(checker.errors() == 0);
}

TEST_CASE("ContinuityChecker: reset forgets counters and errors", "[continuity]") {
    ContinuityChecker checker;
    checker.check(make_packet({0x100, 1}).data());
    checker.check(make_packet({0x100, 7}).data());
    REQUIRE(checker.errors() == 1);
    checker.reset();
    CHECK(checker.errors() == 0);
    CHECK(checker.pid_count() == 0);
    CHECK(checker.check(make_packet({0x100, 3}).data()));
}
