// ts_inspector_test.cpp - TsInspector on synthetic packets: PAT/PMT across packets, pointer_field,
// CRC errors, table changes, and the random access test with and without random_access_indicator.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/ts/crc32_mpeg.h"
#include "common/ts/ts_inspector.h"
#include "synthetic_psi.h"

using synthetic::EsInfo;
using synthetic::Packet;

namespace {
constexpr uint16_t kPmtPid = 0x1000;

std::vector<PacketKind> feed(TsInspector& inspector, const std::vector<Packet>& packets) {
    std::vector<PacketKind> kinds;
    for (const Packet& p : packets) kinds.push_back(inspector.inspect(p.data()));
    return kinds;
}

std::vector<uint8_t> simple_pat(uint8_t version = 0, uint16_t pmt_pid = kPmtPid) {
    return synthetic::make_pat(version, {{1, pmt_pid}});
}

std::vector<uint8_t> simple_pmt(uint8_t version = 0, uint16_t video_pid = 0x100, uint8_t video_type = 0x1B) {
    return synthetic::make_pmt(1, version, video_pid, {{video_type, video_pid, {}}, {0x0F, 0x101, {}}});
}

void feed_program(TsInspector& inspector) {
    feed(inspector, synthetic::packetize(ts::kPidPat, {simple_pat()}));
    feed(inspector, synthetic::packetize(kPmtPid, {simple_pmt()}));
}

// PES header with a PTS (14 bytes) followed by `es`.
std::vector<uint8_t> pes(const std::vector<uint8_t>& es) {
    std::vector<uint8_t> out = {0x00, 0x00, 0x01, 0xE0, 0x00, 0x00, 0x80, 0x80, 0x05, 0x21, 0x00, 0x01, 0x00, 0x01};
    out.insert(out.end(), es.begin(), es.end());
    return out;
}

Packet video_packet(const std::vector<uint8_t>& es, bool random_access_indicator, bool unit_start = true) {
    synthetic::PacketSpec spec(0x100, 0);
    if (unit_start) spec.pts = 90000;
    if (random_access_indicator) spec.pcr = 0;  // any adaptation field, to carry the flag
    Packet p = synthetic::make_packet(spec);
    if (random_access_indicator) p[5] |= 0x40;
    std::size_t pos = ts::PacketView(p.data()).payload_offset() + (unit_start ? 14 : 0);
    std::copy(es.begin(), es.end(), p.begin() + static_cast<std::ptrdiff_t>(pos));
    return p;
}

const std::vector<uint8_t> kH264Aud = {0, 0, 0, 1, 0x09, 0xF0};
const std::vector<uint8_t> kH264Sps = {0, 0, 0, 1, 0x67, 0x64, 0x00, 0x0D, 0xAC, 0xD9};
const std::vector<uint8_t> kH264Pps = {0, 0, 0, 1, 0x68, 0xEE, 0x3C, 0x80};
const std::vector<uint8_t> kH264Idr = {0, 0, 1, 0x65, 0x88, 0x84, 0x00};
const std::vector<uint8_t> kH264PSlice = {0, 0, 1, 0x41, 0x9A, 0x00};    // slice_type 5 (P)
const std::vector<uint8_t> kH264ISlice = {0, 0, 1, 0x41, 0x88, 0x00};    // non-IDR, slice_type 7 (I)

std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

bool starts_rap(VideoCodec codec, std::initializer_list<std::vector<uint8_t>> es) {
    const std::vector<uint8_t> bytes = pes(join(es));
    return pes_starts_random_access(codec, bytes.data(), bytes.size());
}
}  // namespace

TEST_CASE("crc32_mpeg: the check value of CRC-32/MPEG-2, and 0 over a section with its CRC", "[ts_inspector]") {
    const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    CHECK(ts::crc32_mpeg(check, sizeof check) == 0x0376E6E7u);
    const auto pat = simple_pat();
    CHECK(ts::crc32_mpeg(pat.data(), pat.size()) == 0);
}

TEST_CASE("TsInspector: PAT then PMT name the program, its video, audio and PCR", "[ts_inspector]") {
    TsInspector inspector;
    auto pat = synthetic::packetize(ts::kPidPat, {simple_pat()});
    auto pmt = synthetic::packetize(kPmtPid, {simple_pmt()});
    CHECK(feed(inspector, pat) == std::vector<PacketKind>{PacketKind::pat});
    CHECK_FALSE(inspector.has_program());
    CHECK(inspector.pmt_pid() == kPmtPid);
    CHECK(feed(inspector, pmt) == std::vector<PacketKind>{PacketKind::pmt});
    REQUIRE(inspector.has_program());
    CHECK(inspector.program_number() == 1);
    CHECK(inspector.video_pid() == 0x100);
    CHECK(inspector.video_codec() == VideoCodec::h264);
    CHECK(std::string(to_string(inspector.video_codec())) == "h264");
    CHECK(inspector.audio_pids() == std::vector<uint16_t>{0x101});
    CHECK(inspector.pcr_pid() == 0x100);
    CHECK(inspector.pat_packets() == synthetic::concat(pat));
    CHECK(inspector.pmt_packets() == synthetic::concat(pmt));
    CHECK(inspector.bad_sections() == 0);
}

TEST_CASE("TsInspector: PAT and PMT sections spanning several packets", "[ts_inspector]") {
    // PAT: network PID, then 59 programs (8 + 240 + 4 bytes: 2 packets); the first real program counts.
    std::vector<std::pair<uint16_t, uint16_t>> programs = {{0, 0x0010}};
    for (uint16_t n = 7; n < 66; ++n) programs.push_back({n, static_cast<uint16_t>(0x1000 + n)});
    // PMT: a 300-byte program_info and long ES descriptors (3 packets).
    std::vector<uint8_t> program_info(300, 0);
    for (std::size_t i = 0; i < program_info.size(); i += 30) program_info[i + 1] = 28;  // 30-byte dummy descriptors
    const std::vector<uint8_t> ac3_descriptor = {0x6A, 0x01, 0x00};
    auto pat = synthetic::packetize(ts::kPidPat, {synthetic::make_pat(0, programs)}, 14);
    const std::vector<EsInfo> streams = {{0x02, 0x200, std::vector<uint8_t>(100, 0x00)},
                                         {0x06, 0x201, ac3_descriptor},
                                         {0x06, 0x202, {0x59, 0x00}},  // subtitling_descriptor: not audio
                                         {0x87, 0x203, {}}};
    auto pmt = synthetic::packetize(0x1007, {synthetic::make_pmt(7, 0, 0x1FF, streams, program_info)});
    REQUIRE(pat.size() == 2);
    REQUIRE(pmt.size() == 3);
    TsInspector inspector;
    feed(inspector, pat);
    CHECK(inspector.program_number() == 7);
    CHECK(inspector.pmt_pid() == 0x1007);
    CHECK(inspector.pat_packets() == synthetic::concat(pat));
    feed(inspector, pmt);
    REQUIRE(inspector.has_program());
    CHECK(inspector.video_pid() == 0x200);
    CHECK(inspector.video_codec() == VideoCodec::mpeg2);
    CHECK(inspector.audio_pids() == std::vector<uint16_t>{0x201, 0x203});
    CHECK(inspector.pcr_pid() == 0x1FF);
    CHECK(inspector.pmt_packets() == synthetic::concat(pmt));
}

TEST_CASE("TsInspector: pointer_field ends one section and starts the next in the same packet", "[ts_inspector]") {
    // pkt 0: PMT v0 from byte 0 (PUSI, pointer 0)  pkt 1: rest of v0, then v1 (PUSI, pointer = rest)
    std::vector<EsInfo> many(40, EsInfo{0x0F, 0x300, {}});  // 40 audio entries: v0 spans two packets
    many.insert(many.begin(), EsInfo{0x1B, 0x100, {}});
    auto v0 = synthetic::make_pmt(1, 0, 0x100, many);
    auto v1 = simple_pmt(1, 0x102, 0x24);
    auto packets = synthetic::packetize(kPmtPid, {v0, v1});
    REQUIRE(packets.size() == 2);
    REQUIRE((packets[1][1] & 0x40) != 0);
    REQUIRE(packets[1][4] == v0.size() - 183);

    TsInspector inspector;
    feed(inspector, synthetic::packetize(ts::kPidPat, {simple_pat()}));
    const uint64_t generation = inspector.psi_generation();
    feed(inspector, {packets[0]});
    CHECK_FALSE(inspector.has_program());
    feed(inspector, {packets[1]});
    REQUIRE(inspector.has_program());
    CHECK(inspector.video_pid() == 0x102);  // v0 completed, then v1 replaced it
    CHECK(inspector.video_codec() == VideoCodec::h265);
    CHECK(inspector.psi_generation() == generation + 2);
    CHECK(inspector.pmt_packets() == synthetic::concat({packets[1]}));
}

TEST_CASE("TsInspector: a section with a bad CRC_32 is ignored", "[ts_inspector]") {
    TsInspector inspector;
    feed_program(inspector);
    auto changed = synthetic::packetize(kPmtPid, {simple_pmt(1, 0x200)}, 1);
    changed[0][20] ^= 0x01;  // one bit inside the section
    CHECK(feed(inspector, changed) == std::vector<PacketKind>{PacketKind::pmt});
    CHECK(inspector.bad_sections() == 1);
    CHECK(inspector.video_pid() == 0x100);

    SECTION("the next intact copy is taken") {
        feed(inspector, synthetic::packetize(kPmtPid, {simple_pmt(1, 0x200)}, 2));
        CHECK(inspector.video_pid() == 0x200);
    }
    SECTION("a corrupt first PAT leaves no program") {
        TsInspector fresh;
        auto pat = synthetic::packetize(ts::kPidPat, {simple_pat()});
        pat[0][10] ^= 0x80;
        feed(fresh, pat);
        feed(fresh, synthetic::packetize(kPmtPid, {simple_pmt()}));
        CHECK(fresh.pmt_pid() == ts::kPidNull);
        CHECK_FALSE(fresh.has_program());
        CHECK(fresh.pat_packets().empty());
    }
}

TEST_CASE("TsInspector: a continuity gap inside a section drops it", "[ts_inspector]") {
    std::vector<EsInfo> many(40, EsInfo{0x0F, 0x300, {}});
    many.insert(many.begin(), EsInfo{0x1B, 0x100, {}});
    auto packets = synthetic::packetize(kPmtPid, {synthetic::make_pmt(1, 0, 0x100, many)}, 3);
    REQUIRE(packets.size() == 2);
    ts::set_continuity_counter(packets[1].data(), 5);  // 3 then 5: packet 4 was lost
    TsInspector inspector;
    feed(inspector, synthetic::packetize(ts::kPidPat, {simple_pat()}));
    feed(inspector, packets);
    CHECK_FALSE(inspector.has_program());
}

TEST_CASE("TsInspector: repeated tables keep the stored packets, new versions replace them", "[ts_inspector]") {
    TsInspector inspector;
    feed_program(inspector);
    const auto first_pmt = inspector.pmt_packets();
    const uint64_t generation = inspector.psi_generation();

    feed(inspector, synthetic::packetize(ts::kPidPat, {simple_pat()}, 1));
    feed(inspector, synthetic::packetize(kPmtPid, {simple_pmt()}, 1));
    CHECK(inspector.psi_generation() == generation);
    CHECK(inspector.pmt_packets() == first_pmt);  // continuity counter 0, as first stored

    auto v1 = synthetic::packetize(kPmtPid, {simple_pmt(1, 0x1E0, 0x02)}, 2);
    feed(inspector, v1);
    CHECK(inspector.psi_generation() == generation + 1);
    CHECK(inspector.video_pid() == 0x1E0);
    CHECK(inspector.video_codec() == VideoCodec::mpeg2);
    CHECK(inspector.pmt_packets() == synthetic::concat(v1));
}

TEST_CASE("TsInspector: a PAT that moves the program forgets the old PMT", "[ts_inspector]") {
    TsInspector inspector;
    feed_program(inspector);
    feed(inspector, synthetic::packetize(ts::kPidPat, {simple_pat(1, 0x1100)}, 1));
    CHECK(inspector.pmt_pid() == 0x1100);
    CHECK_FALSE(inspector.has_program());
    CHECK(inspector.pmt_packets().empty());
    CHECK(inspector.video_pid() == ts::kPidNull);
    // The old PID is no longer the PMT's.
    const auto old_pid = synthetic::packetize(kPmtPid, {simple_pmt()}, 1);
    CHECK(feed(inspector, old_pid) == std::vector<PacketKind>{PacketKind::other});
    const auto new_pid = synthetic::packetize(0x1100, {simple_pmt(0, 0x120)});
    CHECK(feed(inspector, new_pid) == std::vector<PacketKind>{PacketKind::pmt});
    CHECK(inspector.has_program());
    CHECK(inspector.video_pid() == 0x120);
}

TEST_CASE("TsInspector: video_rap from random_access_indicator or from the PES start", "[ts_inspector]") {
    TsInspector inspector;
    // Before the PMT nothing is known to be video.
    const Packet keyframe = video_packet(join({kH264Aud, kH264Sps, kH264Pps, kH264Idr}), true);
    CHECK(inspector.inspect(keyframe.data()) == PacketKind::other);
    feed_program(inspector);
    auto kind = [&](const Packet& p) { return inspector.inspect(p.data()); };
    CHECK(kind(video_packet(kH264PSlice, true)) == PacketKind::video_rap);  // the flag is trusted
    CHECK(kind(video_packet(join({kH264Aud, kH264Idr}), false)) == PacketKind::video_rap);
    CHECK(kind(video_packet(join({kH264Aud, kH264PSlice}), false)) == PacketKind::other);
    CHECK(kind(video_packet(kH264Idr, true, false)) == PacketKind::other);  // no unit start
    Packet audio = video_packet(kH264Idr, true);
    audio[2] = 0x01;  // PID 0x101
    CHECK(kind(audio) == PacketKind::other);
}

TEST_CASE("pes_starts_random_access: H.264 IDR, parameter sets and open-GOP I slices", "[ts_inspector]") {
    CHECK(starts_rap(VideoCodec::h264, {kH264Aud, kH264Sps, kH264Pps, kH264Idr}));
    CHECK(starts_rap(VideoCodec::h264, {kH264Aud, kH264Sps, kH264Pps}));  // its slice lies past the packet
    CHECK(starts_rap(VideoCodec::h264, {kH264Aud, kH264Sps, kH264Pps, kH264ISlice}));
    CHECK_FALSE(starts_rap(VideoCodec::h264, {kH264Aud, kH264Sps, kH264Pps, kH264PSlice}));
    CHECK_FALSE(starts_rap(VideoCodec::h264, {kH264Aud, kH264ISlice}));  // no SPS: a decoder cannot start
    CHECK_FALSE(starts_rap(VideoCodec::h264, {kH264Aud}));
    const std::vector<uint8_t> idr = pes(kH264Idr);
    CHECK_FALSE(pes_starts_random_access(VideoCodec::h264, idr.data(), 16));  // cut inside the PES header
    std::vector<uint8_t> no_prefix = idr;
    no_prefix[2] = 0x02;
    CHECK_FALSE(pes_starts_random_access(VideoCodec::h264, no_prefix.data(), no_prefix.size()));
}

TEST_CASE("pes_starts_random_access: H.265 IRAP types and MPEG-2 sequence headers", "[ts_inspector]") {
    const std::vector<uint8_t> aud = {0, 0, 1, 0x46, 0x01, 0x50}, vps = {0, 0, 1, 0x40, 0x01, 0x0C};
    const std::vector<uint8_t> idr = {0, 0, 1, 0x26, 0x01, 0xAF}, cra = {0, 0, 1, 0x2A, 0x01, 0xAF};
    const std::vector<uint8_t> trail = {0, 0, 1, 0x02, 0x01, 0xD0};
    CHECK(starts_rap(VideoCodec::h265, {aud, idr}));
    CHECK(starts_rap(VideoCodec::h265, {aud, cra}));
    CHECK(starts_rap(VideoCodec::h265, {aud, vps}));
    CHECK_FALSE(starts_rap(VideoCodec::h265, {aud, trail}));
    CHECK_FALSE(starts_rap(VideoCodec::h265, {aud, vps, trail}));

    const std::vector<uint8_t> sequence = {0, 0, 1, 0xB3, 0x14, 0x00}, gop = {0, 0, 1, 0xB8, 0x00, 0x08};
    const std::vector<uint8_t> picture = {0, 0, 1, 0x00, 0x00, 0x0F};
    CHECK(starts_rap(VideoCodec::mpeg2, {sequence, gop, picture}));
    CHECK_FALSE(starts_rap(VideoCodec::mpeg2, {gop, picture}));
    CHECK_FALSE(starts_rap(VideoCodec::mpeg2, {picture}));
    CHECK_FALSE(starts_rap(VideoCodec::none, {sequence}));
}
