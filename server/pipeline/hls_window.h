// hls_window.h - HlsWindow: the live window of an HLS output, its last `size` segments with their
// media sequence numbers and the discontinuity sequence. The reader thread adds; HTTP threads read
// under one short lock. Segments are shared: a request keeps the one it is sending alive after it
// has left the window, but readers may hold at most another window's worth of departed segments;
// past that the oldest are revoked and their readers stop (see HlsSegment::revoked).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "server/pipeline/hls_segment.h"

// What a playlist lists: a consistent copy taken under the window's lock.
struct HlsWindowView {
    std::vector<HlsSegmentRef> segments;  // oldest first; its first sequence is EXT-X-MEDIA-SEQUENCE
    uint64_t discontinuity_sequence = 0;  // discontinuities that have left the window
};

class HlsWindow {
public:
    // `first_sequence` numbers the first segment; pass one that no earlier run of the stream reached
    // (first_sequence_now() below), so that names and sequence numbers never repeat.
    HlsWindow(std::size_t size, uint64_t first_sequence);
    HlsWindow(const HlsWindow&) = delete;
    HlsWindow& operator=(const HlsWindow&) = delete;

    // Reader thread: numbers `segment`, stamps it and publishes it; the oldest one leaves.
    void add(std::shared_ptr<HlsSegment> segment, std::chrono::system_clock::time_point program_date_time);
    // Empties the window (an on-demand restart); numbering goes on, and the cleared segments count
    // as departed for the readers' bound.
    void clear();
    // Any thread.
    HlsWindowView view() const;
    // The segment numbered `sequence` while it is in the window, else null (gone, or not yet made).
    HlsSegmentRef find(uint64_t sequence) const;
    // Departed segments that readers still hold (revoked ones excepted).
    std::size_t departed_held() const;
    std::size_t size() const { return size_; }

private:
    // With mutex_ held: forgets freed departed segments and revokes the oldest beyond the bound.
    void bound_departed();

    const std::size_t size_;
    mutable std::mutex mutex_;
    std::deque<HlsSegmentRef> segments_;
    std::deque<std::weak_ptr<const HlsSegment>> departed_;  // left the window, oldest first
    uint64_t next_sequence_;
    uint64_t discontinuity_sequence_ = 0;
};

// A first media sequence number above any an earlier run of this stream reached: milliseconds of
// the wall clock, since a run cannot make more than one segment per millisecond it ran.
uint64_t first_sequence_now();
