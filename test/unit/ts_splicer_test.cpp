// ts_splicer_test.cpp - TsSplicer: a failover join starts at PAT and PES starts, with counters that
// run on and the new time base flagged.
#include <catch2/catch.hpp>

#include "common/ts/continuity.h"
#include "common/ts/ts_splicer.h"
#include "synthetic_ts.h"

using synthetic::PacketSpec;

namespace {
PacketSpec start(uint16_t pid, uint8_t cc) {
    PacketSpec spec(pid, cc);
    spec.pts = 90000;  // a PES header: payload_unit_start_indicator set
    return spec;
}

PacketSpec pat(uint8_t cc) {
    PacketSpec spec(ts::kPidPat, cc);
    spec.pts = 0;  // only for payload_unit_start; the payload bytes do not matter here
    return spec;
}

struct Out {
    std::vector<uint16_t> pids;
    std::vector<uint8_t> ccs;
    std::vector<bool> discontinuity;
    uint64_t cc_errors = 0;
};

Out run(TsSplicer& splicer, const std::vector<PacketSpec>& specs, ContinuityChecker& checker) {
    std::vector<synthetic::Packet> packets;
    for (const auto& spec : specs) packets.push_back(synthetic::make_packet(spec));
    auto bytes = synthetic::concat(packets);
    splicer.process(bytes, checker);
    Out out;
    for (std::size_t i = 0; i < bytes.size(); i += ts::kPacketSize) {
        ts::PacketView view(bytes.data() + i);
        out.pids.push_back(view.pid());
        out.ccs.push_back(view.continuity_counter());
        out.discontinuity.push_back(view.discontinuity());
        checker.check(bytes.data() + i);
    }
    out.cc_errors = checker.errors();
    return out;
}
}  // namespace

TEST_CASE("TsSplicer: without a splice packets pass unchanged", "[ts_splicer]") {
    TsSplicer splicer;
    ContinuityChecker checker;
    auto out = run(splicer, {PacketSpec(0x100, 3), PacketSpec(0x100, 4), PacketSpec(0x101, 9)}, checker);
    CHECK(out.pids == std::vector<uint16_t>{0x100, 0x100, 0x101});
    CHECK(out.ccs == std::vector<uint8_t>{3, 4, 9});
}

TEST_CASE("TsSplicer: after a splice output starts at PAT and each PID at its next unit start", "[ts_splicer]") {
    // old source:  0x100 cc 5, 6
    // new source:  0x100 cc 12 (continuation)  PAT cc 0   0x100 cc 13 (continuation)  0x100 cc 14 (start)  0x100 cc 15
    // out:         0x100 5 6                   PAT 0                                   0x100 7             0x100 8
    TsSplicer splicer;
    ContinuityChecker checker;
    run(splicer, {start(0x100, 5), PacketSpec(0x100, 6)}, checker);
    splicer.begin_splice();
    auto out = run(splicer, {PacketSpec(0x100, 12), pat(0), PacketSpec(0x100, 13), start(0x100, 14), PacketSpec(0x100, 15)},
                   checker);
    CHECK(out.pids == std::vector<uint16_t>{0x000, 0x100, 0x100});
    CHECK(out.ccs == std::vector<uint8_t>{0, 7, 8});
    CHECK(out.cc_errors == 0);
}

TEST_CASE("TsSplicer: the first PCR after a splice carries the discontinuity indicator", "[ts_splicer]") {
    TsSplicer splicer;
    ContinuityChecker checker;
    PacketSpec old_pcr = start(0x100, 1);
    old_pcr.pcr = 27000000;
    run(splicer, {old_pcr}, checker);
    splicer.begin_splice();
    PacketSpec new_pcr = start(0x100, 7);
    new_pcr.pcr = 5;
    PacketSpec later_pcr(0x100, 8);
    later_pcr.pcr = 100;
    auto out = run(splicer, {pat(0), new_pcr, later_pcr}, checker);
    REQUIRE(out.pids.size() == 3);
    CHECK(out.discontinuity == std::vector<bool>{false, true, false});
    CHECK(out.ccs[1] == 2);
    CHECK(out.cc_errors == 0);
}

TEST_CASE("TsSplicer: counters keep their offset after the splice, so later gaps still show", "[ts_splicer]") {
    TsSplicer splicer;
    ContinuityChecker checker;
    run(splicer, {start(0x100, 0)}, checker);
    splicer.begin_splice();
    // new source cc 10 11 13: the upstream's own gap between 11 and 13 must stay a gap.
    auto out = run(splicer, {pat(4), start(0x100, 10), PacketSpec(0x100, 11), PacketSpec(0x100, 13)}, checker);
    CHECK(out.ccs == std::vector<uint8_t>{4, 1, 2, 4});
    CHECK(out.cc_errors == 1);
}

TEST_CASE("TsSplicer: null packets pass untouched, even while waiting for PAT", "[ts_splicer]") {
    TsSplicer splicer;
    ContinuityChecker checker;
    splicer.begin_splice();
    auto out = run(splicer, {PacketSpec(ts::kPidNull, 3), pat(0), PacketSpec(ts::kPidNull, 5)}, checker);
    CHECK(out.pids == std::vector<uint16_t>{ts::kPidNull, 0x000, ts::kPidNull});
}
