// upstream_candidate.h - UpstreamCandidate: the next connection of a stream, opened while the
// current one still feeds the viewers (make before break). Its own thread connects, reads, frames
// and judges (ContentHealth). It is ready once the connection has delivered PAT, PMT and a video
// keyframe and has stayed healthy for `must_be_healthy` (a failback probe); it goes on reading,
// keeping what it read since the PAT before the latest keyframe (about a GOP), until the stream's
// reader takes it over or drops it. It fails when it cannot connect, ends, breaks the rules, or is
// not ready by its deadline. The thread is the candidate's own: take() and the destructor stop and
// join it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"
#include "common/net/url.h"
#include "common/ts/ts_framer.h"
#include "server/pipeline/content_health.h"
#include "server/upstreams/upstream.h"

class UpstreamCandidate {
public:
    using Clock = std::chrono::steady_clock;

    struct Settings {
        std::size_t index = 0;  // of the remote in the stream's list
        UpstreamUrl remote;
        UpstreamOptions options;  // its stop_fd is replaced by the candidate's own
        FailoverRules rules;
        Clock::duration must_be_healthy{};  // 0: ready at the first keyframe
        Clock::duration deadline{};         // from the start
        std::size_t read_size = 0;
    };
    explicit UpstreamCandidate(Settings settings);
    ~UpstreamCandidate();
    UpstreamCandidate(const UpstreamCandidate&) = delete;
    UpstreamCandidate& operator=(const UpstreamCandidate&) = delete;

    enum class Status { trying, ready, failed };
    // Any thread.
    Status status() const { return status_.load(std::memory_order_acquire); }
    // Why it failed; only once status() is failed.
    std::string error() const;
    const Settings& settings() const { return settings_; }

    // What the stream's reader takes over once status() is ready: the open connection (rebound to
    // `options`), the framer's partial packet, and the packets from the PAT before the latest
    // keyframe on. Stops the thread first; nullopt when the connection failed meanwhile.
    struct Handover {
        std::unique_ptr<Upstream> upstream;
        TsFramer framer;
        std::vector<uint8_t> packets;
    };
    std::optional<Handover> take(const UpstreamOptions& options);

private:
    void run();
    // Reads until stopped (empty) or failed (the reason).
    std::string read(Upstream& upstream);
    void fail(const std::string& reason);

    const Settings settings_;
    StopSignal stop_;
    std::atomic<Status> status_{Status::trying};
    mutable std::mutex mutex_;
    std::string error_;  // guarded by mutex_
    Handover handover_;  // the thread's until take() has joined it
    std::thread thread_;
};
