// content_health.h - ContentHealth: decides from once-a-second samples of the stream's content (CC
// errors, bitrate, video) that the current remote is bad for long enough to try the next one (the
// stream's `failover`). Pure; owned by the stream's reader thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/config/config.h"

class ContentHealth {
public:
    using Clock = std::chrono::steady_clock;

    explicit ContentHealth(FailoverConfig config) : config_(config) {}

    struct Sample {
        uint64_t cc_errors = 0;        // running total
        uint64_t bits_per_second = 0;  // over the last second
        bool has_video = false;        // the PMT names a video PID and it sent packets that second
    };
    // Why to fail over, once a check has failed for `after` seconds in a row; else nothing.
    std::optional<std::string> sample(const Sample& sample, Clock::time_point now);
    // A new connection: its checks start over.
    void restart();

private:
    // The first check that fails now, or empty.
    std::string failing(const Sample& sample, Clock::time_point now) const;

    const FailoverConfig config_;
    std::optional<Clock::time_point> bad_since_;
    std::optional<Sample> last_;
    Clock::time_point last_at_{};
};
