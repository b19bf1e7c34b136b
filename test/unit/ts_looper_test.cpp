// ts_looper_test.cpp - TsLooper: continuity counters and PCR/PTS/DTS across file loops; loop_duration_90khz.
#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "common/ts/continuity.h"
#include "source/ts_looper.h"
#include "test/unit/synthetic_ts.h"

namespace {
using synthetic::make_packet;
using synthetic::Packet;
using synthetic::PacketSpec;

constexpr uint64_t kPtsWrap = uint64_t(1) << 33;

// Plays `file` `loops` times through one looper, as the source does.
std::vector<Packet> play(const std::vector<Packet>& file, int loops, uint64_t loop_duration_90khz) {
    TsLooper looper(loop_duration_90khz);
    std::vector<Packet> out;
    for (int loop = 0; loop < loops; ++loop) {
        if (loop > 0) looper.start_next_loop();
        for (Packet p : file) {
            looper.rewrite(p.data());
            out.push_back(p);
        }
    }
    return out;
}

std::map<uint16_t, std::vector<int>> counters_by_pid(const std::vector<Packet>& packets) {
    std::map<uint16_t, std::vector<int>> counters;
    for (const Packet& p : packets) {
        ts::PacketView v(p.data());
        counters[v.pid()].push_back(v.continuity_counter());
    }
    return counters;
}

uint64_t continuity_errors(const std::vector<Packet>& packets) {
    ContinuityChecker checker;
    for (const Packet& p : packets) checker.check(p.data());
    return checker.errors();
}

PacketSpec timed(uint16_t pid, uint8_t cc, std::optional<uint64_t> pcr, uint64_t pts, std::optional<uint64_t> dts) {
    PacketSpec spec{pid, cc};
    spec.pcr = pcr;
    spec.pts = pts;
    spec.dts = dts;
    return spec;
}
}  // namespace

TEST_CASE("TsLooper: the first pass leaves packets untouched", "[ts_looper]") {
    std::vector<Packet> file = {make_packet(timed(0x100, 7, 27000000, 90000, 87000)), make_packet({0x101, 2})};
    CHECK(play(file, 1, 900000) == file);
}

TEST_CASE("TsLooper: continuity counters continue per PID across the wrap", "[ts_looper]") {
    // file   0x100: cc 3 4 5    0x200: cc 14 15    null: cc 0
    // loop 1 0x100: cc 6 7 8    0x200: cc 0 1      null: cc 0
    std::vector<Packet> file = {make_packet({0x100, 3}), make_packet({0x200, 14}), make_packet({0x100, 4}),
                                make_packet({ts::kPidNull, 0}), make_packet({0x200, 15}), make_packet({0x100, 5})};
    auto out = play(file, 3, 0);
    auto counters = counters_by_pid(out);
    CHECK(counters[0x100] == std::vector<int>{3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(counters[0x200] == std::vector<int>{14, 15, 0, 1, 2, 3});
    CHECK(counters[ts::kPidNull] == std::vector<int>{0, 0, 0});
    CHECK(continuity_errors(out) == 0);
}

TEST_CASE("TsLooper: a packet without payload first in a pass repeats the last counter", "[ts_looper]") {
    // file   0x100: cc 6 (adaptation only) 7 8
    // loop 1 0x100: cc 8 (adaptation only) 9 10
    PacketSpec adaptation_only{0x100, 6};
    adaptation_only.payload = false;
    std::vector<Packet> file = {make_packet(adaptation_only), make_packet({0x100, 7}), make_packet({0x100, 8})};
    auto out = play(file, 2, 0);
    CHECK(counters_by_pid(out)[0x100] == std::vector<int>{6, 7, 8, 8, 9, 10});
    CHECK(continuity_errors(out) == 0);
}

TEST_CASE("TsLooper: a duplicate packet in the file stays a duplicate", "[ts_looper]") {
    std::vector<Packet> file = {make_packet({0x100, 1}), make_packet({0x100, 2}), make_packet({0x100, 2})};
    auto out = play(file, 2, 0);
    CHECK(counters_by_pid(out)[0x100] == std::vector<int>{1, 2, 2, 3, 4, 4});
    CHECK(continuity_errors(out) == 0);
}

TEST_CASE("TsLooper: PCR, PTS and DTS advance by one loop duration per pass", "[ts_looper]") {
    const uint64_t loop = 10 * 90000;
    std::vector<Packet> file = {make_packet(timed(0x100, 0, 27000000 + 123, 126000, 122400)),
                                make_packet(timed(0x101, 0, std::nullopt, 131280, std::nullopt))};
    auto out = play(file, 3, loop);
    REQUIRE(out.size() == 6);
    for (int pass = 0; pass < 3; ++pass) {
        ts::PacketView video(out[2 * pass].data());
        const uint8_t* pes = out[2 * pass].data() + video.payload_offset();
        CHECK(video.pcr() == 27000000 + 123 + pass * loop * 300);
        CHECK(ts::read_pes_timestamp(pes + 9) == 126000 + pass * loop);
        CHECK(ts::read_pes_timestamp(pes + 14) == 122400 + pass * loop);
        CHECK(pes[9] >> 4 == 0x3);  // '0011' prefix of a PTS followed by a DTS is kept
        CHECK(pes[14] >> 4 == 0x1);
        const uint8_t* audio_pes = out[2 * pass + 1].data() + 4;
        CHECK(ts::read_pes_timestamp(audio_pes + 9) == 131280 + pass * loop);
    }
    SECTION("and only those fields and the continuity counter change") {
        Packet expected = file[0];
        Packet got = out[2];
        ts::set_continuity_counter(expected.data(), 1);
        ts::write_pcr(&expected[6], 0);
        ts::write_pcr(&got[6], 0);
        for (std::size_t i = 4 + 8 + 9; i < 4 + 8 + 19; ++i) expected[i] = got[i] = 0;
        CHECK(got == expected);
    }
}

TEST_CASE("TsLooper: timestamps wrap at 33 bits", "[ts_looper]") {
    std::vector<Packet> file = {make_packet(timed(0x100, 0, (kPtsWrap - 100) * 300, kPtsWrap - 100, std::nullopt))};
    auto out = play(file, 2, 1000);
    ts::PacketView second(out[1].data());
    CHECK(second.pcr() == 900 * 300);
    CHECK(ts::read_pes_timestamp(out[1].data() + second.payload_offset() + 9) == 900);
}

TEST_CASE("TS field writers: exact bytes of PTS and PCR", "[ts_looper]") {
    uint8_t pts[5] = {0x20, 0, 0, 0, 0};
    ts::write_pes_timestamp(pts, 0x1DEADBEEF);
    CHECK(std::vector<uint8_t>(pts, pts + 5) == std::vector<uint8_t>{0x2F, 0x7A, 0xB7, 0x7D, 0xDF});
    CHECK(ts::read_pes_timestamp(pts) == 0x1DEADBEEF);

    uint8_t pcr[6] = {};
    ts::write_pcr(pcr, 0x1DEADBEEFull * 300 + 123);
    CHECK(std::vector<uint8_t>(pcr, pcr + 6) == std::vector<uint8_t>{0xEF, 0x56, 0xDF, 0x77, 0xFE, 0x7B});
}

TEST_CASE("loop_duration_90khz: long enough that no clock steps back at the wrap", "[ts_looper]") {
    // 50 packets at 2 Mbit/s (20304 PCR ticks each). Video PES on 0x100 every 10 packets, DTS step 3600;
    // audio PES on 0x101 every 10 packets, PTS step 21120 (bundles of 11 frames).
    auto make_file = [](bool with_pcr, bool with_pes) {
        std::vector<Packet> file;
        for (uint64_t i = 0; i < 50; ++i) {
            PacketSpec spec{static_cast<uint16_t>(i % 10 == 1 ? 0x101 : 0x100)};
            if (with_pcr && i % 5 == 0) spec.pcr = i * 20304;
            if (with_pes && i % 10 == 0) {
                spec.dts = i / 10 * 3600;
                spec.pts = *spec.dts + 7200;
            }
            if (with_pes && i % 10 == 1) spec.pts = i / 10 * 21120;
            file.push_back(make_packet(spec));
        }
        return synthetic::concat(file);
    };
    SECTION("PCR only: the file's bytes at the PCR rate") {
        auto bytes = make_file(true, false);
        CHECK(loop_duration_90khz(bytes.data(), bytes.size(), 0) == 50 * 20304 / 300);
        // A slower sending rate makes a pass last longer.
        CHECK(loop_duration_90khz(bytes.data(), bytes.size(), 1000000) == 50ull * 188 * 8 * 90000 / 1000000);
    }
    SECTION("PES without PCR: each span plus its last step") {
        auto bytes = make_file(false, true);
        CHECK(loop_duration_90khz(bytes.data(), bytes.size(), 0) == 4 * 21120 + 21120);
    }
    SECTION("PES with PCR: each span plus at least the finest step") {
        auto bytes = make_file(true, true);
        CHECK(loop_duration_90khz(bytes.data(), bytes.size(), 0) == 4 * 21120 + 3600);
    }
    SECTION("nothing timed") {
        auto bytes = make_file(false, false);
        CHECK(loop_duration_90khz(bytes.data(), bytes.size(), 0) == 0);
    }
}
