// stream.h - Stream: one output of an upstream: its Packetizer, the viewer set, the GOP cache and
// the fan-out into each viewer's queue. The reader thread feeds it (UpstreamListener); HTTP threads
// attach and detach viewers. Joining is SRS's: attach() puts the newcomer on a pending list under a
// short lock; the reader, once per chunk, gives each newcomer PAT, PMT and the cached GOP in its own
// queue and adds it to the viewer set.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/pipeline/gop_cache.h"
#include "server/pipeline/packetizer.h"
#include "server/pipeline/stream_tap.h"
#include "server/pipeline/upstream_loop.h"
#include "server/pipeline/viewer.h"

struct StreamSettings {
    std::string path;
    ViewerLimits viewer_limits;
    ChunkRef preamble;       // sent to every viewer before the stream (restreamer's HbbTV preamble), or null
    bool fast_start = true;  // a new viewer gets PAT, PMT and the GOP since the last keyframe first
    std::shared_ptr<StreamTap> tap;  // an output fed after the viewers, each chunk (HLS), or null
    // With fast_start: a new viewer starts at the oldest keyframe that arrived within this of the
    // live edge (0 = the last keyframe), for players that probe seconds of stream before a picture.
    std::chrono::milliseconds prebuffer{0};
    Tr101290Settings tr101290;  // pid_timeout
};

// The viewers' side of a stream, for the API.
struct ViewerTotals {
    std::size_t viewers = 0;
    uint64_t packets_dropped = 0;  // summed over present and departed viewers
    uint64_t bytes_sent = 0;       // likewise
    std::chrono::nanoseconds viewer_time{0};  // summed durations of viewer sessions, present ones so far
};

// One present viewer, as the streams API lists it.
struct ViewerInfo {
    std::string address;
    std::string user;  // empty unless the viewer authenticated
    std::chrono::system_clock::time_point since;
    uint64_t bytes_sent = 0;
    uint64_t packets_dropped = 0;
};

struct OutputStats {
    ViewerTotals viewers;
    PacketizerCounters packetizer;
    uint64_t gop_overflows = 0;  // GOPs too long or too large to cache: newcomers started at the live edge
    std::string video_codec = "none";  // "h264", "h265", "mpeg2" or "none"
    uint16_t video_pid = 0;
    Tr101290Counts tr101290;
    std::vector<Tr101290PidRate> pid_rates;  // by PID, as of the last rate window
    uint32_t null_ppm = 0;                   // null packets per million, likewise
};

class Stream : public UpstreamListener {
public:
    explicit Stream(StreamSettings settings);
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    const std::string& path() const { return settings_.path; }
    // The upstream is connected: viewers are taken.
    bool is_live() const { return live_.load(std::memory_order_acquire); }
    // The control API's switch: an offline stream keeps reading its upstream but refuses viewers
    // and has disconnected the ones it had.
    void set_offline(bool offline);
    bool is_offline() const { return offline_.load(std::memory_order_acquire); }

    // HTTP thread. A new viewer, fed from the next chunk on, or nullptr while the upstream is down
    // or the stream is offline.
    std::shared_ptr<Viewer> attach(const std::string& address, const std::string& user = {});
    // HTTP thread, when the viewer's response ends.
    void detach(const std::shared_ptr<Viewer>& viewer, const std::string& reason);
    void disconnect_viewers(const std::string& reason);

    // An on-demand start: HTTP threads wait until a viewer attached now would begin with PAT, PMT
    // and a keyframe (PAT and PMT alone for a programme without video, or with fast_start off).
    struct StartOutcome {
        bool ready = false;
        std::string reason;  // why not ready: the upstream's failure, a timeout, a shutdown
    };
    // The owner, before it starts the reader: the next wait is for this run's first picture.
    void begin_start();
    // HTTP thread. Returns as soon as the start is settled, or at `deadline` with ready false and
    // the start still open (the caller may settle it with fail_start).
    StartOutcome wait_for_start(std::chrono::steady_clock::time_point deadline) const;
    // Settles an open start as failed: every waiter gets `reason`. Any thread.
    void fail_start(const std::string& reason);
    // When the last viewer left (or the stream was made), or nothing while anyone is attached.
    std::optional<std::chrono::steady_clock::time_point> idle_since() const;

    OutputStats stats() const;
    // Up to `max` present viewers (any ones, when there are more), the longest connected first.
    // Bounded: the copy is made under the lock that attach() and detach() wait for.
    std::vector<ViewerInfo> viewer_infos(std::size_t max) const;

    // UpstreamListener: the reader thread.
    void upstream_connected(bool splice) override;
    void packets_received(std::vector<uint8_t>&& packets) override;
    void sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors) override;
    void upstream_lost() override;
    void upstream_unavailable(const std::string& reason) override;
    void outage_expired(const std::string& reason) override;

private:
    using ViewerList = std::vector<std::shared_ptr<Viewer>>;
    // Reader thread: queues the chunk for every viewer, newcomers included.
    void fan_out(const ChunkRef& chunk);
    // Reader thread: the newcomers since the last chunk, started and added to fan_out_.
    void admit_newcomers();
    // Reader thread: logs the programme and records it for stats().
    void note_program();
    // Reader thread: one log line per TR 101 290 indicator that started or stopped firing.
    void note_indicators();
    // Reader thread, output_mutex_ held: the monitor's figures for stats().
    void copy_indicators();
    // Reader thread: whether a viewer would now begin with a picture (see StartOutcome).
    bool has_first_picture() const;
    void settle_start(bool ready, const std::string& reason);

    const StreamSettings settings_;
    std::atomic<bool> live_{false};
    std::atomic<bool> offline_{false};

    // Reader thread only.
    Packetizer packetizer_;
    GopCache gop_cache_;
    ViewerList fan_out_;  // the viewers it feeds; ended ones are dropped as it meets them
    std::vector<ChunkRef> chunks_;  // scratch: one read's chunks

    mutable std::mutex viewers_mutex_;
    ViewerList pending_;  // attached, not yet admitted by the reader
    std::atomic<bool> has_pending_{false};
    // Every viewer attached and not detached, pending or admitted. A set, so that detach() costs
    // the same with 2000 viewers as with one.
    std::unordered_set<std::shared_ptr<Viewer>> viewers_;
    ViewerTotals departed_;  // of detached viewers
    std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();  // guarded by viewers_mutex_

    // The on-demand start. start_open_ is read by the reader once per read, so that it locks only to settle.
    std::atomic<bool> start_open_{false};
    mutable std::mutex start_mutex_;
    mutable std::condition_variable start_settled_;
    StartOutcome start_;  // guarded by start_mutex_

    mutable std::mutex output_mutex_;
    PacketizerCounters counters_;  // the packetizer's, as of the last read
    uint64_t gop_overflows_ = 0;
    std::string video_codec_ = "none";
    uint16_t video_pid_ = 0;
    Tr101290Counts tr101290_;
    std::vector<Tr101290PidRate> pid_rates_;
    uint32_t null_ppm_ = 0;
    uint64_t rates_generation_ = 0;  // the monitor's, when pid_rates_ was copied
};
