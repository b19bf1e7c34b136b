// hls_segmenter.h - HlsSegmenter: cuts a stream's chunks into HLS segments. A segment opens at a
// keyframe chunk with the PAT and PMT it carries (Packetizer::make_psi_prefix), closes at the first
// keyframe at least `segment` after its start, or at `2 x segment` when none comes; a programme
// without video is cut at audio PES starts instead. Time is the PCR of the programme's PCR PID
// (wraps handled), else the chunks' arrival. Pure: no threads, no clock; one per stream, fed by the
// stream's reader thread only (see HlsOutput).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/ts/ts_packet.h"
#include "server/pipeline/hls_segment.h"

// What the segmenter needs of the programme (TsInspector's view of it, as of the chunk).
struct HlsProgram {
    uint16_t pmt_pid = ts::kPidNull;
    uint16_t pcr_pid = ts::kPidNull;
    uint16_t video_pid = ts::kPidNull;  // kPidNull: audio only, cut at PES starts of audio_pid
    uint16_t audio_pid = ts::kPidNull;
};

class HlsSegmenter {
public:
    explicit HlsSegmenter(std::chrono::milliseconds segment);

    // Appends one chunk. Returns the segment this chunk closed, or null. Chunks before the first
    // keyframe (after a start or restart) are not segmented: a segment must begin with a picture.
    std::shared_ptr<HlsSegment> push(const ChunkRef& chunk, const HlsProgram& program);
    // The upstream was switched or restarted: the open segment closes (returned, or null) and the
    // next one is flagged as a discontinuity. Its PCR is a new clock.
    std::shared_ptr<HlsSegment> restart();
    // Drops the open segment unpublished (an on-demand run ended: its tail is stale by the next one).
    void discard();

    std::chrono::milliseconds segment() const { return segment_; }
    std::chrono::milliseconds target() const { return 2 * segment_; }

private:
    // The clock of one point of the stream: its PCR when known, and the arrival of its chunk.
    struct Instant {
        std::optional<uint64_t> pcr;
        std::chrono::steady_clock::time_point arrived;
    };
    // Scans `chunk` from packet `from`: PCRs of the PCR PID, PAT and PMT packets (kept for cuts
    // that have no keyframe chunk's prefix).
    void scan(const PacketChunk& chunk, const HlsProgram& program, std::size_t from, std::size_t to);
    std::chrono::microseconds elapsed(const Instant& now) const;
    std::shared_ptr<HlsSegment> close(const Instant& now);
    void open(const ChunkRef& psi, const Instant& now, bool keyframe);
    ChunkRef latest_psi() const;
    std::shared_ptr<HlsSegment> push_audio(const ChunkRef& chunk, const HlsProgram& program, const Instant& now);

    const std::chrono::milliseconds segment_;
    std::shared_ptr<HlsSegment> open_;  // being filled, or null before the first keyframe
    Instant start_;                      // of open_
    std::optional<uint64_t> first_pcr_;  // of the chunk being pushed
    std::optional<uint64_t> last_pcr_;   // the latest PCR seen on this upstream
    std::chrono::steady_clock::time_point last_arrived_{};
    bool discontinuity_ = false;         // the next segment opens after a restart
    bool produced_ = false;              // a segment has been opened: a restart is a discontinuity
    std::vector<uint8_t> pat_, pmt_;     // the latest PAT and PMT packets, as they came
    bool pmt_started_ = false;  // pmt_ holds a section's packets from its first one
};

// PCR difference b - a in 27 MHz ticks, across the 33-bit base's wrap.
uint64_t pcr_distance(uint64_t a, uint64_t b);
