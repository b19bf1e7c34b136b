// hls_output.h - HlsOutput: a stream's HLS output, its segmenter and live window, fed as a StreamTap.
// Contract: the reader thread calls chunk() and upstream_connected() (pointer copies and a scan of
// each chunk's packet headers; never a wait); HTTP threads read the window, the codecs and the
// counters, and may wait for the first segment.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "server/pipeline/hls_segmenter.h"
#include "server/pipeline/hls_sessions.h"
#include "server/pipeline/hls_window.h"
#include "server/pipeline/stream_tap.h"

struct HlsSettings {
    std::chrono::seconds segment{2};
    std::size_t window = 6;
};

class HlsOutput final : public StreamTap {
public:
    explicit HlsOutput(HlsSettings settings);

    void chunk(const ChunkRef& chunk, const TsInspector& program) override;
    void upstream_connected(bool splice) override;

    const HlsSettings& settings() const { return settings_; }
    const HlsWindow& window() const { return window_; }
    // EXT-X-TARGETDURATION, fixed for the output's life: every segment is cut by then.
    std::chrono::seconds target_duration() const { return 2 * settings_.segment; }
    // RFC 6381 codecs of the programme ("avc1.64001f,mp4a.40.2"); empty when one is unknown.
    std::string codecs() const;
    // HTTP thread: waits until the window holds a segment, at most until `deadline`.
    bool wait_for_segment(std::chrono::steady_clock::time_point deadline) const;
    // The owner, while the reader is stopped (joined), before an on-demand start: the old run's
    // segments leave the playlist and its open one is dropped (numbers go on), and the next wait is
    // for this run's first segment.
    void begin_run();
    // When a playlist or segment was last asked for (an on-demand stream lingers from then on).
    std::chrono::steady_clock::time_point last_request() const {
        return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_request_.load(std::memory_order_relaxed)));
    }

    // HTTP threads: requests answered and body bytes sent, for the statistics.
    void count_request() {
        requests_.fetch_add(1, std::memory_order_relaxed);
        last_request_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    }
    void count_sent(std::size_t bytes) { bytes_sent_.fetch_add(bytes, std::memory_order_relaxed); }
    uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
    uint64_t bytes_sent() const { return bytes_sent_.load(std::memory_order_relaxed); }
    // Its clients, as viewers: idle after three target durations without a request.
    HlsSessions& sessions() { return sessions_; }
    const HlsSessions& sessions() const { return sessions_; }

private:
    void publish(std::shared_ptr<HlsSegment> segment);

    const HlsSettings settings_;
    HlsSegmenter segmenter_;  // reader thread only
    HlsWindow window_;
    uint64_t psi_generation_ = 0;  // reader thread only: the programme's, when codecs_ was set

    mutable std::mutex mutex_;
    mutable std::condition_variable published_;
    std::string codecs_;        // guarded by mutex_
    bool has_segment_ = false;  // guarded by mutex_

    HlsSessions sessions_;
    std::atomic<uint64_t> requests_{0};
    std::atomic<uint64_t> bytes_sent_{0};
    std::atomic<std::chrono::steady_clock::rep> last_request_{0};
};

// RFC 6381 codecs for a programme's stream types; empty when any one is unknown.
std::string hls_codecs(uint8_t video_stream_type, const std::vector<uint8_t>& audio_stream_types);
