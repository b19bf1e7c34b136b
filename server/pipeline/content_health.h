// content_health.h - ContentHealth: judges what one upstream connection delivers against a stream's
// failover rules ("failover": cc_errors_per_s, min_bitrate, require_video, after): continuity errors
// and bitrate over one-second windows, video by the time since its last packet; it says that an
// indicator fires (a standby connection may be opened) and, once one has fired for `after`, why
// the connection should be left. Also tells when the connection has delivered what a viewer needs to start (PAT, PMT, a video
// keyframe), for a make-before-break switch. Pure: no clock (the caller passes the time), no
// threads; one per connection being judged, owned by the thread that reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/ts/continuity.h"
#include "common/ts/ts_inspector.h"

struct FailoverRules {
    uint64_t cc_errors_per_s = 0;  // more than this many continuity errors in a second is bad; 0: not judged
    uint64_t min_bitrate = 0;      // fewer bits per second is bad; 0: not judged
    bool require_video = false;    // a second without a packet of the PMT's video PID is bad
    std::chrono::seconds after{3};  // bad seconds in a row before the connection is given up

    bool enabled() const { return cc_errors_per_s > 0 || min_bitrate > 0 || require_video; }
};

class ContentHealth {
public:
    using Clock = std::chrono::steady_clock;

    // Judging starts at `start` (the connect).
    ContentHealth(const FailoverRules& rules, Clock::time_point start);

    // One read's whole packets, received at `now`.
    void feed(const uint8_t* packets, std::size_t len, Clock::time_point now);
    // An indicator fires, as of the last feed: a window broke a rule, or no video packet came for
    // half a second.
    bool failing() const { return failing_; }
    // Why the connection has broken the rules for the last `after` seconds, as of the last feed;
    // nullopt while it has not, or once no indicator fires.
    const std::optional<std::string>& verdict() const { return verdict_; }
    // What fires, while failing() ("no video packets"); empty otherwise.
    const std::string& reason() const { return reason_; }
    // How long no indicator has fired, up to `now` (from the start when none did).
    Clock::duration healthy_for(Clock::time_point now) const;
    // A viewer could start here: the packets fed since the PAT before the latest video keyframe (the
    // PAT included), which a switch to this connection hands over; nullopt until a keyframe has
    // followed a PAT and the PMT.
    std::optional<std::size_t> packets_since_keyframe_pat() const { return since_keyframe_pat_; }
    // Packets fed since the last PAT began (the PAT included); nullopt before the first PAT. What
    // is older cannot start a viewer.
    std::optional<std::size_t> packets_since_pat() const { return since_pat_; }

private:
    // Closes the window that started at window_start_ and judges its continuity errors and bitrate.
    void close_window(Clock::time_point now);
    // Sets failing_, verdict_ and good_since_ from the windows and the video's silence.
    void judge(Clock::time_point now);

    FailoverRules rules_;
    TsInspector inspector_;
    ContinuityChecker continuity_;
    Clock::time_point window_start_;
    uint64_t window_bytes_ = 0;
    uint64_t cc_errors_at_window_start_ = 0;
    std::optional<Clock::time_point> window_bad_since_;  // the first of the bad windows in a row
    std::string window_reason_;                          // what the last bad window broke
    Clock::time_point last_video_;                       // the connect until a video packet comes
    bool failing_ = false;
    std::string reason_;
    std::optional<Clock::time_point> good_since_;
    std::optional<std::string> verdict_;
    std::optional<std::size_t> since_pat_;
    std::optional<std::size_t> since_keyframe_pat_;
};
