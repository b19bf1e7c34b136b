// hls_segmenter_test.cpp - HlsSegmenter: where segments open and close (keyframes, the target
// duration, audio PES starts), their PCR durations across a wrap, and the discontinuity flag.
#include <catch2/catch.hpp>

#include "server/pipeline/hls_segmenter.h"
#include "synthetic_ts.h"

namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr uint16_t kPmtPid = 0x20, kVideo = 0x100, kAudio = 0x101;
const Clock::time_point t0 = Clock::time_point{} + 1h;
const HlsProgram video_program{kPmtPid, kVideo, kVideo, kAudio};
const HlsProgram audio_program{kPmtPid, kAudio, ts::kPidNull, kAudio};

void append(PacketChunk& chunk, const synthetic::PacketSpec& spec) {
    const synthetic::Packet p = synthetic::make_packet(spec);
    chunk.bytes.insert(chunk.bytes.end(), p.begin(), p.end());
}

ChunkRef psi_chunk() {
    auto psi = std::make_shared<PacketChunk>();
    append(*psi, synthetic::PacketSpec(ts::kPidPat));
    append(*psi, synthetic::PacketSpec(kPmtPid));
    return psi;
}

// A picture at `seconds` on the PCR clock starting at `base`: PCR packet, PES start, one more packet.
// A keyframe chunk carries a PSI prefix; `pcr` false leaves the PCR out (arrival time counts).
ChunkRef picture(double seconds, bool keyframe, uint64_t base = 0, bool pcr = true, bool with_psi_packets = false) {
    auto c = std::make_shared<PacketChunk>();
    const uint64_t ticks = base + static_cast<uint64_t>(seconds * ts::kPcrHz);
    synthetic::PacketSpec first(kVideo);
    if (pcr) first.pcr = ticks % ((uint64_t(1) << 33) * 300);
    first.pts = 0;
    append(*c, first);
    append(*c, synthetic::PacketSpec(kVideo));
    if (with_psi_packets) {
        synthetic::PacketSpec pat(ts::kPidPat), pmt(kPmtPid);
        pat.pts = pmt.pts = 0;  // payload_unit_start_indicator
        append(*c, pat);
        append(*c, pmt);
    }
    c->random_access = keyframe;
    c->picture_start = true;
    if (keyframe) c->psi = psi_chunk();
    c->arrived = t0 + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
    return c;
}

ChunkRef audio(double seconds, bool pes_start, bool with_psi_packets = false) {
    auto c = std::make_shared<PacketChunk>();
    if (with_psi_packets) {
        synthetic::PacketSpec pat(ts::kPidPat), pmt(kPmtPid);
        pat.pts = pmt.pts = 0;
        append(*c, pat);
        append(*c, pmt);
    }
    synthetic::PacketSpec first(kAudio);
    first.pcr = static_cast<uint64_t>(seconds * ts::kPcrHz);
    append(*c, first);
    synthetic::PacketSpec second(kAudio);
    if (pes_start) second.pts = 0;
    append(*c, second);
    c->arrived = t0 + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
    return c;
}

// Feeds pictures at `times` (k: keyframe) and returns the closed segments.
std::vector<std::shared_ptr<HlsSegment>> feed(HlsSegmenter& segmenter, const std::vector<std::pair<double, bool>>& times,
                                              uint64_t base = 0, bool pcr = true) {
    std::vector<std::shared_ptr<HlsSegment>> closed;
    for (const auto& [t, key] : times)
        if (auto s = segmenter.push(picture(t, key, base, pcr, true), video_program)) closed.push_back(s);
    return closed;
}

uint16_t pid_of(const ChunkRef& chunk, std::size_t packet) {
    return ts::PacketView(chunk->bytes.data() + packet * ts::kPacketSize).pid();
}
}  // namespace

TEST_CASE("HlsSegmenter: a segment opens with PAT, PMT and a keyframe; nothing before the first one", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    // t  0.0 0.5 1.0K 1.5 ... 3.0K   <- the first segment is 1.0 .. 3.0
    auto closed = feed(segmenter, {{0.0, false}, {0.5, false}, {1.0, true}, {1.5, false}, {2.0, false}, {2.5, false}, {3.0, true}});
    REQUIRE(closed.size() == 1);
    const HlsSegment& s = *closed[0];
    REQUIRE(s.chunks.size() == 5);  // PSI prefix + 4 pictures
    CHECK(pid_of(s.chunks[0], 0) == ts::kPidPat);
    CHECK(pid_of(s.chunks[0], 1) == kPmtPid);
    CHECK(s.chunks[1]->random_access);
    CHECK(s.keyframe_start);
    CHECK(s.duration == 2s);
    std::size_t bytes = 0;
    for (const auto& c : s.chunks) bytes += c->bytes.size();
    CHECK(s.bytes == bytes);
    CHECK_FALSE(s.discontinuity);
}

TEST_CASE("HlsSegmenter: closes at the first keyframe at least `segment` after its start", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    // keyframes every 1.5 s: 0 | 3 | 6  (1.5 is too early, 3.0 is the first at >= 2 s)
    auto closed = feed(segmenter, {{0, true}, {1.5, true}, {3.0, true}, {4.5, true}, {6.0, true}});
    REQUIRE(closed.size() == 2);
    CHECK(closed[0]->duration == 3s);
    CHECK(closed[1]->duration == 3s);
    CHECK(closed[0]->chunks.size() == 3);  // PSI, 0, 1.5
}

TEST_CASE("HlsSegmenter: cut at the target duration when no keyframe comes", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    std::vector<std::pair<double, bool>> times{{0, true}};
    for (int i = 1; i <= 10; ++i) times.emplace_back(i * 0.5, false);
    auto closed = feed(segmenter, times);
    REQUIRE(closed.size() == 1);
    CHECK(closed[0]->duration == 4s);  // 2 x segment
    CHECK(segmenter.target() == 4s);
    // The next one opens without a keyframe, with the PAT and PMT seen last.
    auto next = segmenter.restart();
    REQUIRE(next);
    CHECK_FALSE(next->keyframe_start);
    CHECK(pid_of(next->chunks[0], 0) == ts::kPidPat);
}

TEST_CASE("HlsSegmenter: durations across the PCR wrap", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    const uint64_t modulus = (uint64_t(1) << 33) * 300;
    const uint64_t base = modulus - 3 * ts::kPcrHz;  // wraps between 2 s and 4 s
    auto closed = feed(segmenter, {{0, true}, {2, true}, {4, true}, {6, true}}, base);
    REQUIRE(closed.size() == 3);
    for (const auto& s : closed) CHECK(s->duration == 2s);
    CHECK(pcr_distance(modulus - 1, 5) == 6);
}

TEST_CASE("HlsSegmenter: without PCR the arrival times give the duration", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    auto closed = feed(segmenter, {{0, true}, {1, false}, {2.5, true}}, 0, false);
    REQUIRE(closed.size() == 1);
    CHECK(closed[0]->duration == 2500ms);
}

TEST_CASE("HlsSegmenter: the first segment after a restart is a discontinuity", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    CHECK_FALSE(segmenter.restart());  // the first connect: nothing open, no discontinuity
    feed(segmenter, {{0, true}, {1, false}});
    auto closed = segmenter.restart();
    REQUIRE(closed);
    CHECK_FALSE(closed->discontinuity);
    CHECK(closed->duration == 1s);
    // The new upstream's clock starts anywhere; its first chunks before a keyframe are skipped.
    auto after = feed(segmenter, {{100, false}, {100.5, true}, {102.5, true}, {104.5, true}});
    REQUIRE(after.size() == 2);
    CHECK(after[0]->discontinuity);
    CHECK(after[0]->duration == 2s);
    CHECK_FALSE(after[1]->discontinuity);
}

TEST_CASE("HlsSegmenter: audio only is cut at audio PES starts once `segment` has passed", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    std::vector<std::shared_ptr<HlsSegment>> closed;
    CHECK_FALSE(segmenter.push(audio(0, true), audio_program));  // no PAT/PMT seen yet: not opened
    for (int i = 1; i <= 12; ++i)
        if (auto s = segmenter.push(audio(i * 0.5, i % 2 == 0, i == 1), audio_program)) closed.push_back(s);
    // opens at 1.0 (the first PES start after the PSI), then cuts at 3.0 and 5.0
    REQUIRE(closed.size() == 2);
    CHECK(closed[0]->duration == 2s);
    CHECK_FALSE(closed[0]->keyframe_start);
    CHECK(pid_of(closed[0]->chunks[0], 0) == ts::kPidPat);
    CHECK(pid_of(closed[0]->chunks[0], 1) == kPmtPid);
    // the cut chunk's PES start opens the next segment (after its PSI prefix)
    CHECK(ts::PacketView(closed[1]->chunks[1]->bytes.data()).pusi());
}

TEST_CASE("HlsSegmenter: discard drops the open segment and the next one is a discontinuity", "[hls_segmenter]") {
    HlsSegmenter segmenter(2s);
    feed(segmenter, {{0, true}, {1, false}});
    segmenter.discard();
    CHECK_FALSE(segmenter.restart());  // nothing was left open
    auto after = feed(segmenter, {{50, true}, {52, true}});
    REQUIRE(after.size() == 1);
    CHECK(after[0]->discontinuity);
    CHECK(after[0]->duration == 2s);
}
