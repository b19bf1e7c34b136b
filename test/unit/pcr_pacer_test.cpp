// pcr_pacer_test.cpp - PcrPacer: batch due times from PCR and from a bitrate, re-anchoring, average bitrate.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "source/pcr_pacer.h"
#include "test/unit/synthetic_ts.h"

namespace {
using namespace std::chrono_literals;
using Clock = PcrPacer::Clock;
using synthetic::make_packet;

constexpr uint16_t kPcrPid = 0x100;
constexpr uint64_t kTicksPerMs = 27000;
constexpr uint64_t kPcrWrap = (uint64_t(1) << 33) * 300;
const Clock::time_point t0 = Clock::time_point() + 1h;
constexpr auto kPacketAt2Mbit = 752us;  // 188 bytes at 2 Mbit/s

std::optional<Clock::time_point> feed_pcr(PcrPacer& pacer, uint64_t pcr, Clock::time_point now = t0,
                                          uint16_t pid = kPcrPid) {
    synthetic::PacketSpec spec{pid};
    spec.pcr = pcr;
    return pacer.on_packet(make_packet(spec).data(), now);
}

// Feeds `count` packets without PCR; returns the due time if one of them ended a batch.
std::optional<Clock::time_point> feed_plain(PcrPacer& pacer, std::size_t count, Clock::time_point now = t0) {
    std::optional<Clock::time_point> due;
    auto packet = make_packet({0x101});
    for (std::size_t i = 0; i < count; ++i)
        if (auto d = pacer.on_packet(packet.data(), now)) due = d;
    return due;
}
}  // namespace

TEST_CASE("PcrPacer: each PCR packet ends a batch due at its PCR time", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(0);
    // pkt   PAT  PCR0  9 x plain  PCR0+40ms  9 x plain  PCR0+80ms
    // due   -    t0    -          t0+40ms    -          t0+80ms
    CHECK_FALSE(feed_plain(pacer, 1));
    CHECK(feed_pcr(pacer, 5000 * kTicksPerMs) == t0);
    CHECK_FALSE(feed_plain(pacer, 9));
    CHECK(feed_pcr(pacer, 5040 * kTicksPerMs) == t0 + 40ms);
    CHECK_FALSE(feed_plain(pacer, 9));
    CHECK(feed_pcr(pacer, 5080 * kTicksPerMs) == t0 + 80ms);
    CHECK(pacer.pcr_pid() == kPcrPid);
    CHECK(pacer.reanchor_count() == 0);
}

TEST_CASE("PcrPacer: only the first PID with a PCR paces", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(0);
    CHECK(feed_pcr(pacer, 0) == t0);
    CHECK_FALSE(feed_pcr(pacer, 500 * kTicksPerMs, t0, 0x200));
    CHECK(feed_pcr(pacer, 40 * kTicksPerMs) == t0 + 40ms);
}

TEST_CASE("PcrPacer: bytes before the first PCR are timed at the fallback bitrate", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(2000000);
    feed_plain(pacer, 3);
    CHECK(feed_pcr(pacer, 0) == t0 + 4 * kPacketAt2Mbit);
}

TEST_CASE("PcrPacer: a PCR jump re-anchors one ordinary step later", "[pcr_pacer]") {
    SECTION("with a bitrate: the bytes since the last batch") {
        auto pacer = PcrPacer::from_pcr(2000000);
        auto first = feed_pcr(pacer, 10000 * kTicksPerMs);
        REQUIRE(first);
        feed_plain(pacer, 9);
        CHECK(feed_pcr(pacer, 10040 * kTicksPerMs) == *first + 40ms);
        feed_plain(pacer, 9);
        SECTION("backwards: the file looped") {
            CHECK(feed_pcr(pacer, 1000 * kTicksPerMs) == *first + 40ms + 10 * kPacketAt2Mbit);
            CHECK(feed_pcr(pacer, 1040 * kTicksPerMs) == *first + 80ms + 10 * kPacketAt2Mbit);
        }
        SECTION("forwards by more than a second: a discontinuity") {
            CHECK(feed_pcr(pacer, 20000 * kTicksPerMs) == *first + 40ms + 10 * kPacketAt2Mbit);
        }
        CHECK(pacer.reanchor_count() == 1);
    }
    SECTION("without a bitrate: the previous PCR interval") {
        auto pacer = PcrPacer::from_pcr(0);
        feed_pcr(pacer, 10000 * kTicksPerMs);
        feed_pcr(pacer, 10030 * kTicksPerMs);
        CHECK(feed_pcr(pacer, 0) == t0 + 60ms);
        CHECK(pacer.reanchor_count() == 1);
    }
}

TEST_CASE("PcrPacer: the PCR wrapping at 2^33 * 300 is an ordinary step", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(0);
    feed_pcr(pacer, kPcrWrap - 20 * kTicksPerMs);
    CHECK(feed_pcr(pacer, 20 * kTicksPerMs) == t0 + 40ms);
    CHECK(pacer.reanchor_count() == 0);
}

TEST_CASE("PcrPacer: a sender more than a second late restarts from now instead of bursting", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(0);
    feed_pcr(pacer, 0);
    const auto late = t0 + 5s;
    CHECK(feed_pcr(pacer, 40 * kTicksPerMs, late) == late);
    CHECK(feed_pcr(pacer, 80 * kTicksPerMs, late) == late + 40ms);
    CHECK(pacer.reanchor_count() == 1);
}

TEST_CASE("PcrPacer: a long stretch without PCR is cut at the batch limit, timed by the bitrate", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_pcr(2000000);
    auto first = feed_pcr(pacer, 0);
    REQUIRE(first);
    CHECK_FALSE(feed_plain(pacer, PcrPacer::kMaxBatchPackets - 1));
    CHECK(feed_plain(pacer, 1) == *first + PcrPacer::kMaxBatchPackets * kPacketAt2Mbit);
}

TEST_CASE("PcrPacer: a fixed bitrate sends batches of about 20 ms", "[pcr_pacer]") {
    auto pacer = PcrPacer::from_bitrate(2000000);
    // 2 Mbit/s / 8 / 188 / 50 = 26 packets per batch; PCRs are ignored.
    CHECK_FALSE(feed_pcr(pacer, 0));
    CHECK_FALSE(feed_plain(pacer, 24));
    CHECK(feed_plain(pacer, 1) == t0 + 26 * kPacketAt2Mbit);
    CHECK(feed_plain(pacer, 26) == t0 + 52 * kPacketAt2Mbit);
    CHECK(pacer.pcr_pid() == -1);
}

TEST_CASE("average_bitrate_bps: bytes between first and last PCR over their time", "[pcr_pacer]") {
    // 100 packets at 2 Mbit/s, a PCR on every 10th: 20304 ticks per packet.
    std::vector<synthetic::Packet> packets;
    for (uint64_t i = 0; i < 100; ++i) {
        synthetic::PacketSpec spec{kPcrPid};
        if (i % 10 == 0) spec.pcr = 1000000 + i * 20304;
        packets.push_back(make_packet(spec));
    }
    auto bytes = synthetic::concat(packets);
    CHECK(average_bitrate_bps(bytes.data(), bytes.size()) == 2000000u);
    auto span = find_pcr_span(bytes.data(), bytes.size());
    REQUIRE(span);
    CHECK(span->first_offset == 0);
    CHECK(span->last_offset == 90 * ts::kPacketSize);

    SECTION("no answer from a single PCR or none") {
        CHECK_FALSE(average_bitrate_bps(bytes.data(), 10 * ts::kPacketSize));
        auto plain = synthetic::concat({make_packet({kPcrPid}), make_packet({kPcrPid})});
        CHECK_FALSE(average_bitrate_bps(plain.data(), plain.size()));
    }
}
