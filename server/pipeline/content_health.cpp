// content_health.cpp - the failover checks and their `after` hold.
#include "server/pipeline/content_health.h"

#include <cstdio>

using namespace std::chrono;

std::string ContentHealth::failing(const Sample& s, Clock::time_point now) const {
    if (config_.require_video && !s.has_video) return "no video";
    if (config_.min_bitrate > 0 && s.bits_per_second < config_.min_bitrate)
        return "bitrate " + std::to_string(s.bits_per_second) + " below " + std::to_string(config_.min_bitrate);
    if (config_.cc_errors_per_s > 0 && last_ && now > last_at_) {
        const double rate = double(s.cc_errors - last_->cc_errors) / duration<double>(now - last_at_).count();
        if (rate > config_.cc_errors_per_s) {
            char text[64];
            std::snprintf(text, sizeof text, "%.1f CC errors a second", rate);
            return text;
        }
    }
    return {};
}

std::optional<std::string> ContentHealth::sample(const Sample& s, Clock::time_point now) {
    const std::string reason = failing(s, now);
    // A sample covers the second since the one before: bad from that one on.
    const Clock::time_point covered_from = last_ ? last_at_ : now;
    last_ = s;
    last_at_ = now;
    if (reason.empty()) {
        bad_since_.reset();
        return std::nullopt;
    }
    if (!bad_since_) bad_since_ = covered_from;
    if (now - *bad_since_ < seconds(config_.after_s)) return std::nullopt;
    bad_since_.reset();
    return reason + " for " + std::to_string(config_.after_s) + " s";
}

void ContentHealth::restart() {
    bad_since_.reset();
    last_.reset();
}
