// ts_inspector_ffmpeg_test.cpp - TsInspector on real streams that ffmpeg encodes at test time (H.264,
// H.265, MPEG-2; AAC, AC-3, E-AC-3), checked against what ffprobe reports about the same files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "common/ts/ts_inspector.h"

namespace {

// A private directory under /tmp, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/ts_inspector_XXXXXX";
        const char* made = ::mkdtemp(pattern);
        if (made) path_ = made;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string run_output(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    ::pclose(pipe);
    return out;
}

bool has_encoder(const std::string& name) {
    return std::system(("ffmpeg -hide_banner -encoders 2>/dev/null | grep -qw " + name).c_str()) == 0;
}

// 3 s of 25 fps with a keyframe every 25 frames, scene cuts off: 3 keyframes.
bool encode(const std::string& path, const std::string& video_args, const std::string& audio_args) {
    std::string command = "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25";
    if (!audio_args.empty()) command += " -f lavfi -i sine=frequency=440:sample_rate=48000";
    command += " -t 3 -map 0:v " + video_args;
    if (!audio_args.empty()) command += " -map 1:a " + audio_args;
    command += " -f mpegts " + path;
    return std::system(command.c_str()) == 0;
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Probe {
    uint16_t video_pid = ts::kPidNull;
    std::vector<uint16_t> audio_pids;
    uint16_t pcr_pid = ts::kPidNull;
    int keyframes = 0;
};

// What ffprobe says of the file: stream ids are PIDs in MPEG-TS; key frames come from decoding.
Probe probe(const std::string& path) {
    Probe p;
    // Streams are listed twice: under their program, then on their own.
    std::istringstream streams(
        run_output("ffprobe -v error -show_entries stream=codec_type,id -of csv=p=0 " + path));
    for (std::string line; std::getline(streams, line);) {
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;
        const std::string type = line.substr(0, comma);
        const auto pid = static_cast<uint16_t>(std::stoul(line.substr(comma + 1), nullptr, 16));
        if (type == "video") p.video_pid = pid;
        const bool listed = std::find(p.audio_pids.begin(), p.audio_pids.end(), pid) != p.audio_pids.end();
        if (type == "audio" && !listed) p.audio_pids.push_back(pid);
    }
    const std::string pcr = run_output("ffprobe -v error -show_entries program=pcr_pid -of csv=p=0 " + path);
    if (!pcr.empty()) p.pcr_pid = static_cast<uint16_t>(std::stoul(pcr));
    std::istringstream frames(
        run_output("ffprobe -v error -select_streams v:0 -show_entries frame=key_frame -of csv=p=0 " + path));
    for (std::string line; std::getline(frames, line);) p.keyframes += !line.empty() && line[0] == '1';
    return p;
}

struct Seen {
    std::vector<std::size_t> video_raps;  // packet indices
    int pat_packets = 0;
    int pmt_packets = 0;
};

Seen inspect_all(TsInspector& inspector, const std::vector<uint8_t>& bytes) {
    Seen seen;
    for (std::size_t i = 0; i + ts::kPacketSize <= bytes.size(); i += ts::kPacketSize) {
        switch (inspector.inspect(bytes.data() + i)) {
        case PacketKind::video_rap: seen.video_raps.push_back(i / ts::kPacketSize); break;
        case PacketKind::pat: ++seen.pat_packets; break;
        case PacketKind::pmt: ++seen.pmt_packets; break;
        case PacketKind::other: break;
        }
    }
    return seen;
}

// Leaves only the PES scan to find keyframes, as with encoders that never set the flag.
std::vector<uint8_t> without_random_access_indicator(std::vector<uint8_t> bytes) {
    for (std::size_t i = 0; i + ts::kPacketSize <= bytes.size(); i += ts::kPacketSize)
        if (ts::PacketView(&bytes[i]).adaptation_length() > 0) bytes[i + 5] &= static_cast<uint8_t>(~0x40);
    return bytes;
}

void check_stream(const std::string& path, VideoCodec codec, bool with_audio) {
    const std::vector<uint8_t> bytes = read_file(path);
    REQUIRE(bytes.size() > 100 * ts::kPacketSize);
    const Probe expected = probe(path);
    INFO(path << ": ffprobe video 0x" << std::hex << expected.video_pid << " pcr 0x" << expected.pcr_pid << std::dec
              << " keyframes " << expected.keyframes);
    REQUIRE(expected.keyframes == 3);

    TsInspector inspector;
    const Seen seen = inspect_all(inspector, bytes);
    REQUIRE(inspector.has_program());
    CHECK(inspector.video_codec() == codec);
    CHECK(inspector.video_pid() == expected.video_pid);
    CHECK(inspector.video_pid() == 0x100);  // ffmpeg's default first PID
    CHECK(inspector.pcr_pid() == expected.pcr_pid);
    CHECK(inspector.audio_pids() == expected.audio_pids);
    CHECK(inspector.audio_pids().size() == (with_audio ? 1u : 0u));
    CHECK(seen.video_raps.size() == std::size_t(expected.keyframes));
    CHECK(seen.pat_packets > 0);
    CHECK(seen.pmt_packets > 0);
    CHECK(inspector.bad_sections() == 0);

    // The stored copies are enough for a new viewer's decoder to find the program.
    CHECK(inspector.pat_packets().size() == ts::kPacketSize);
    TsInspector viewer;
    std::vector<uint8_t> psi = inspector.pat_packets();
    psi.insert(psi.end(), inspector.pmt_packets().begin(), inspector.pmt_packets().end());
    inspect_all(viewer, psi);
    CHECK(viewer.has_program());
    CHECK(viewer.video_pid() == inspector.video_pid());

    TsInspector scan_only;
    CHECK(inspect_all(scan_only, without_random_access_indicator(bytes)).video_raps == seen.video_raps);
}

}  // namespace

TEST_CASE("TsInspector on ffmpeg streams: H.264 keyframes, PIDs and codecs as ffprobe sees them", "[ts_inspector]") {
    if (!has_encoder("libx264")) {
        WARN("ffmpeg has no libx264 encoder: test skipped");
        SUCCEED();
        return;
    }
    TempDir dir;
    const std::string x264 = "-c:v libx264 -g 25 -keyint_min 25 -sc_threshold 0";
    SECTION("video only") {
        REQUIRE(encode(dir.file("h264.ts"), x264, ""));
        check_stream(dir.file("h264.ts"), VideoCodec::h264, false);
    }
    SECTION("with AAC audio and B-frames") {
        REQUIRE(encode(dir.file("h264_aac.ts"), x264 + " -bf 3", "-c:a aac"));
        check_stream(dir.file("h264_aac.ts"), VideoCodec::h264, true);
    }
}

TEST_CASE("TsInspector on ffmpeg streams: H.265 IRAP pictures", "[ts_inspector]") {
    if (!has_encoder("libx265")) {
        WARN("ffmpeg has no libx265 encoder: test skipped");
        SUCCEED();
        return;
    }
    TempDir dir;
    const std::string x265 = "-c:v libx265 -x265-params keyint=25:min-keyint=25:scenecut=0:log-level=error";
    SECTION("video only") {
        REQUIRE(encode(dir.file("h265.ts"), x265, ""));
        check_stream(dir.file("h265.ts"), VideoCodec::h265, false);
    }
    SECTION("with E-AC-3 audio (stream_type 0x87)") {
        REQUIRE(encode(dir.file("h265_eac3.ts"), x265, "-c:a eac3"));
        check_stream(dir.file("h265_eac3.ts"), VideoCodec::h265, true);
    }
}

TEST_CASE("TsInspector on ffmpeg streams: MPEG-2 sequence headers", "[ts_inspector]") {
    if (!has_encoder("mpeg2video")) {
        WARN("ffmpeg has no mpeg2video encoder: test skipped");
        SUCCEED();
        return;
    }
    TempDir dir;
    SECTION("with AAC audio") {
        REQUIRE(encode(dir.file("mpeg2_aac.ts"), "-c:v mpeg2video -g 25 -sc_threshold 0", "-c:a aac"));
        check_stream(dir.file("mpeg2_aac.ts"), VideoCodec::mpeg2, true);
    }
    SECTION("with AC-3 as DVB private data (stream_type 0x06 and an AC-3 descriptor)") {
        REQUIRE(encode(dir.file("mpeg2_ac3.ts"), "-c:v mpeg2video -g 25 -sc_threshold 0",
                       "-c:a ac3 -mpegts_flags system_b"));
        check_stream(dir.file("mpeg2_ac3.ts"), VideoCodec::mpeg2, true);
    }
}
