// hls_segment.h - HlsSegment: one HLS media segment, a run of the stream's own shared chunks (no byte
// copies) that starts with PAT, PMT and, with video, a keyframe. Built by HlsSegmenter on the
// reader thread, numbered by HlsWindow, then only read, from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/pipeline/packet_chunk.h"

struct HlsSegment {
    std::vector<ChunkRef> chunks;  // PAT + PMT first, then the stream's chunks in order
    std::size_t bytes = 0;         // summed over `chunks`: the body's Content-Length
    std::chrono::microseconds duration{0};  // by PCR (by arrival when the programme has none)
    bool discontinuity = false;    // the first segment after an upstream switch or restart
    bool keyframe_start = false;   // opens at a video keyframe (false: audio only, or cut without one)
    std::chrono::steady_clock::time_point arrived{};  // when its first stream chunk arrived

    // Set by HlsWindow before it publishes the segment.
    uint64_t sequence = 0;  // EXT-X-MEDIA-SEQUENCE number, also its name (N.ts)
    std::chrono::system_clock::time_point program_date_time{};

    // Set by HlsWindow when readers hold too many departed segments: a reader still writing this
    // one stops at its next slice. Readers only read it.
    mutable std::atomic<bool> revoked{false};

    void add(ChunkRef chunk) {
        bytes += chunk->bytes.size();
        chunks.push_back(std::move(chunk));
    }
};

using HlsSegmentRef = std::shared_ptr<const HlsSegment>;
