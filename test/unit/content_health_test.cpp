// content_health_test.cpp - ContentHealth: each failover rule judged per second on synthetic packets,
// the verdict only after `after` bad seconds in a row, cleared by a good second; the keyframe and
// the last PAT a make-before-break switch starts from.
#include <catch2/catch.hpp>

#include "server/pipeline/content_health.h"
#include "synthetic_program.h"

using namespace std::chrono;
using synthetic::Program;
using Clock = ContentHealth::Clock;

namespace {
// Feeds `packets` once every 100 ms from `from` for `how_long`; returns the time after the last feed.
Clock::time_point feed_for(ContentHealth& health, const std::vector<uint8_t>& packets, Clock::time_point from,
                           Clock::duration how_long) {
    Clock::time_point t = from;
    for (; t < from + how_long; t += milliseconds(100)) health.feed(packets.data(), packets.size(), t);
    return t;
}

// The same with a fresh GOP of `program` each time: continuity counters run on.
Clock::time_point feed_gops_for(ContentHealth& health, Program& program, Clock::time_point from, Clock::duration how_long) {
    Clock::time_point t = from;
    for (; t < from + how_long; t += milliseconds(100)) {
        const std::vector<uint8_t> gop = program.gop(2, 20);
        health.feed(gop.data(), gop.size(), t);
    }
    return t;
}

std::vector<uint8_t> audio_only(std::size_t count) {
    std::vector<synthetic::Packet> packets(count, synthetic::make_packet(synthetic::PacketSpec(0x101, 0)));
    for (std::size_t i = 0; i < packets.size(); ++i) ts::set_continuity_counter(packets[i].data(), uint8_t(i & 0x0F));
    return synthetic::concat(packets);
}
}  // namespace

TEST_CASE("ContentHealth: no video for `after` seconds gives a verdict, not before", "[content_health]") {
    FailoverRules rules;
    rules.require_video = true;
    rules.after = seconds(3);
    const Clock::time_point t0{};
    ContentHealth health(rules, t0);
    Program program;
    auto t = feed_for(health, program.gop(3, 10), t0, seconds(2));
    CHECK_FALSE(health.verdict());
    CHECK(health.packets_since_keyframe_pat());
    CHECK(health.healthy_for(t) >= seconds(1));
    // The video PID stops; audio goes on (PID 0x101, not in the PMT: no video all the same).
    const std::vector<uint8_t> audio = audio_only(16);
    t = feed_for(health, audio, t, milliseconds(2900));
    CHECK_FALSE(health.verdict());
    t = feed_for(health, audio, t, milliseconds(300));
    REQUIRE(health.verdict());
    CHECK(*health.verdict() == "no video packets for 3 s");
    CHECK(health.healthy_for(t) == Clock::duration::zero());
    // Video again: the next good second clears it.
    feed_for(health, program.gop(3, 10), t, milliseconds(2100));
    CHECK_FALSE(health.verdict());
}

TEST_CASE("ContentHealth: a bitrate under min_bitrate and CC errors over the limit", "[content_health]") {
    const Clock::time_point t0{};
    Program program;
    SECTION("bitrate") {
        FailoverRules rules;
        rules.min_bitrate = 500000;
        rules.after = seconds(2);
        ContentHealth health(rules, t0);
        // 10 feeds a second of 7 packets: 105280 bit/s.
        feed_for(health, program.payload(7), t0, milliseconds(2100));
        REQUIRE(health.verdict());
        CHECK(*health.verdict() == "bitrate 105280 bit/s (under 500000) for 2 s");
    }
    SECTION("continuity errors") {
        FailoverRules rules;
        rules.cc_errors_per_s = 5;
        rules.after = seconds(1);
        ContentHealth health(rules, t0);
        // Every other packet dropped: about 40 gaps a second.
        auto t = t0;
        for (int i = 0; i < 11; ++i, t += milliseconds(100)) {
            std::vector<uint8_t> next = program.payload(8);
            std::vector<uint8_t> cut;
            for (std::size_t k = 0; k < 8; k += 2) cut.insert(cut.end(), next.begin() + long(k * 188), next.begin() + long((k + 1) * 188));
            health.feed(cut.data(), cut.size(), t);
        }
        REQUIRE(health.verdict());
        CHECK(health.verdict()->find("CC errors/s (over 5) for 1 s") != std::string::npos);
    }
    SECTION("a healthy stream breaks no rule") {
        FailoverRules rules;
        rules.cc_errors_per_s = 5;
        rules.min_bitrate = 100000;
        rules.require_video = true;
        rules.after = seconds(1);
        ContentHealth health(rules, t0);
        const auto t = feed_gops_for(health, program, t0, seconds(5));
        INFO(health.verdict().value_or("none"));
        CHECK_FALSE(health.verdict());
        CHECK(health.healthy_for(t) >= seconds(4));
    }
}

TEST_CASE("ContentHealth: a switch starts at the PAT before the latest keyframe", "[content_health]") {
    ContentHealth health(FailoverRules{}, Clock::time_point{});
    Program program;
    const std::vector<uint8_t> payload = program.payload(5);
    health.feed(payload.data(), payload.size(), Clock::time_point{});
    CHECK_FALSE(health.packets_since_keyframe_pat());
    CHECK_FALSE(health.packets_since_pat());
    const std::vector<uint8_t> gop = program.gop(1, 4);  // PAT PMT K p p p P p p p
    health.feed(gop.data(), gop.size(), Clock::time_point{});
    CHECK(health.packets_since_keyframe_pat() == gop.size() / 188);
    // A PAT after the keyframe: the switch still starts at the PAT before it.
    std::vector<uint8_t> more = program.pat();
    Program::append(more, program.payload(3));
    health.feed(more.data(), more.size(), Clock::time_point{});
    CHECK(health.packets_since_pat() == 4);
    CHECK(health.packets_since_keyframe_pat() == gop.size() / 188 + 4);
}
