// hls_output.cpp - from the reader's chunks to the published window; the programme's codecs.
#include "server/pipeline/hls_output.h"

using namespace std::chrono;

namespace {
HlsProgram program_of(const TsInspector& inspector) {
    HlsProgram program;
    program.pmt_pid = inspector.pmt_pid();
    program.pcr_pid = inspector.pcr_pid();
    program.video_pid = inspector.video_pid();
    if (!inspector.audio_pids().empty()) program.audio_pid = inspector.audio_pids().front();
    return program;
}

// The profile and level are not read from the SPS: High at 3.1 is what players accept for any
// H.264 they can decode (Apple's own examples), and the playlist's attribute is only a hint.
const char* codec_of(uint8_t stream_type) {
    switch (stream_type) {
    case 0x1B: return "avc1.64001f";
    case 0x24: return "hvc1.1.6.L93.B0";
    case 0x0F: return "mp4a.40.2";   // AAC in ADTS
    case 0x03:
    case 0x04: return "mp4a.40.34";  // MPEG-1/2 layer 3 and below
    case 0x81: return "ac-3";
    case 0x87: return "ec-3";
    default: return nullptr;
    }
}
}  // namespace

std::string hls_codecs(uint8_t video_stream_type, const std::vector<uint8_t>& audio_stream_types) {
    std::string codecs;
    auto add = [&codecs](uint8_t type) {
        const char* codec = codec_of(type);
        if (!codec) return false;
        codecs += (codecs.empty() ? "" : ",") + std::string(codec);
        return true;
    };
    if (video_stream_type != 0 && !add(video_stream_type)) return {};
    for (uint8_t type : audio_stream_types)
        if (!add(type)) return {};
    return codecs;
}

HlsOutput::HlsOutput(HlsSettings settings)
    : settings_(settings),
      segmenter_(duration_cast<milliseconds>(settings.segment)),
      window_(settings.window, first_sequence_now()),
      sessions_(3 * duration_cast<milliseconds>(target_duration())) {}

void HlsOutput::chunk(const ChunkRef& chunk, const TsInspector& program) {
    if (program.psi_generation() != psi_generation_ && program.has_program()) {
        psi_generation_ = program.psi_generation();
        std::string codecs = hls_codecs(program.video_stream_type(), program.audio_stream_types());
        std::lock_guard<std::mutex> lock(mutex_);
        codecs_ = std::move(codecs);
    }
    if (auto closed = segmenter_.push(chunk, program_of(program))) publish(std::move(closed));
}

void HlsOutput::upstream_connected(bool) {
    if (auto closed = segmenter_.restart()) publish(std::move(closed));
}

void HlsOutput::publish(std::shared_ptr<HlsSegment> segment) {
    // The wall clock of the segment's first chunk: when it arrived, not when it was closed.
    const auto arrived = system_clock::now() - duration_cast<system_clock::duration>(steady_clock::now() - segment->arrived);
    window_.add(std::move(segment), arrived);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        has_segment_ = true;
    }
    published_.notify_all();
}

void HlsOutput::begin_run() {
    segmenter_.discard();  // the reader is stopped: its state is ours to reset
    window_.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    has_segment_ = false;
}

std::string HlsOutput::codecs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return codecs_;
}

bool HlsOutput::wait_for_segment(steady_clock::time_point deadline) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return published_.wait_until(lock, deadline, [this] { return has_segment_; });
}
