// content_health.cpp - the per-packet pass (continuity, PAT/PMT, video packets, keyframes), the
// judgement of each one-second window, and of the whole after each read.
#include "server/pipeline/content_health.h"

using namespace std::chrono;

namespace {
constexpr ContentHealth::Clock::duration kWindow = seconds(1);
// Video comes at least a few times a second (frames, or PES packets of a slow one): a gap this
// long already says something is wrong.
constexpr ContentHealth::Clock::duration kVideoGap = milliseconds(500);

std::string seconds_text(ContentHealth::Clock::duration d) { return std::to_string(duration_cast<seconds>(d).count()) + " s"; }
}  // namespace

ContentHealth::ContentHealth(const FailoverRules& rules, Clock::time_point start)
    : rules_(rules), window_start_(start), last_video_(start), good_since_(start) {}

void ContentHealth::feed(const uint8_t* packets, std::size_t len, Clock::time_point now) {
    while (now - window_start_ >= kWindow) close_window(now);
    for (std::size_t at = 0; at + ts::kPacketSize <= len; at += ts::kPacketSize) {
        const uint8_t* packet = packets + at;
        const PacketKind kind = inspector_.inspect(packet);
        continuity_.check(packet);
        if (kind == PacketKind::pat && ts::PacketView(packet).pusi()) since_pat_ = 0;
        if (since_pat_) ++*since_pat_;
        if (since_keyframe_pat_) ++*since_keyframe_pat_;
        if (kind == PacketKind::video_rap && inspector_.has_program() && since_pat_) since_keyframe_pat_ = since_pat_;
        const uint16_t pid = ts::PacketView(packet).pid();
        if (pid == inspector_.video_pid() && pid != ts::kPidNull) last_video_ = now;
    }
    window_bytes_ += len;
    judge(now);
}

void ContentHealth::judge(Clock::time_point now) {
    std::optional<Clock::time_point> onset;
    std::string reason;
    if (rules_.require_video && now - last_video_ >= kVideoGap) {
        onset = last_video_;
        reason = inspector_.has_program() && inspector_.video_pid() == ts::kPidNull ? "no video stream in the PMT" : "no video packets";
    }
    if (window_bad_since_ && (!onset || *window_bad_since_ < *onset)) {
        onset = window_bad_since_;
        reason = window_reason_;
    }
    failing_ = onset.has_value();
    reason_ = reason;
    if (!onset) {
        verdict_.reset();
        if (!good_since_) good_since_ = now;
        return;
    }
    good_since_.reset();
    if (now - *onset >= rules_.after) verdict_ = reason + " for " + seconds_text(now - *onset);
}

ContentHealth::Clock::duration ContentHealth::healthy_for(Clock::time_point now) const {
    return good_since_ ? now - *good_since_ : Clock::duration::zero();
}

void ContentHealth::close_window(Clock::time_point now) {
    // A window that ended long ago (no read for seconds: the stall check's business) counts as one.
    const auto end = std::min(now, window_start_ + kWindow);
    const double seconds_long = duration<double>(end - window_start_).count();
    const uint64_t cc_errors = continuity_.errors() - cc_errors_at_window_start_;
    const uint64_t bitrate = uint64_t(double(window_bytes_) * 8 / seconds_long);
    std::string reason;
    if (rules_.cc_errors_per_s > 0 && cc_errors > rules_.cc_errors_per_s)
        reason = std::to_string(cc_errors) + " CC errors/s (over " + std::to_string(rules_.cc_errors_per_s) + ")";
    else if (rules_.min_bitrate > 0 && bitrate < rules_.min_bitrate)
        reason = "bitrate " + std::to_string(bitrate) + " bit/s (under " + std::to_string(rules_.min_bitrate) + ")";
    if (reason.empty()) {
        window_bad_since_.reset();
    } else {
        if (!window_bad_since_) window_bad_since_ = window_start_;
        window_reason_ = reason;
    }
    window_start_ = end;
    window_bytes_ = 0;
    cc_errors_at_window_start_ = continuity_.errors();
}
