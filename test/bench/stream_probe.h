// stream_probe.h - StreamProbe: what a bench viewer checks in the body it receives: packet alignment,
// continuity counters, when the first video keyframe a decoder can start from arrived, and whether
// the stream then kept pace with its own clock (PCR) over the first seconds.
// Single-threaded: one probe belongs to one load-client connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/ts/continuity.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_packet.h"

class StreamProbe {
public:
    StreamProbe();
    ~StreamProbe();

    // Feeds body bytes in any split, received `at_ms` (any fixed origin). True when they completed the
    // packet that starts the first video keyframe (a random access point per TsInspector, which needs
    // the PAT and PMT first).
    bool feed(const uint8_t* data, std::size_t len, double at_ms);

    bool has_keyframe() const { return !inspector_; }
    // How far the stream fell behind its own clock in the kStartupWindow of PCR time after the first
    // keyframe, counted from the keyframe's arrival: the buffer a player that shows the first picture
    // at once needs so as never to stall. 0 when it kept pace; -1 until measured (or no PCR).
    double startup_stall_ms() const { return startup_stall_ms_; }
    // The startup window is still open: the caller's arrival times should stay precise.
    bool measuring_startup() const { return !startup_done_; }
    uint64_t cc_errors() const { return continuity_.errors(); }
    // Times a packet boundary did not hold a sync byte (the body lost packet alignment).
    uint64_t sync_losses() const { return sync_losses_; }

private:
    static constexpr double kStartupWindowMs = 3000;  // more than the bench stream's 2 s GOP

    // True when this packet is the first keyframe.
    bool check(const uint8_t* packet, double at_ms);
    void check_pace(const uint8_t* packet, double at_ms);

    ContinuityChecker continuity_;
    // Keyframes are recognised from the PMT's video PID, not from random_access_indicator on any PID:
    // ffmpeg sets that flag on audio frames too. Freed after the first keyframe: it costs per packet.
    std::unique_ptr<TsInspector> inspector_;
    uint8_t carry_[ts::kPacketSize];  // a packet split across feeds
    std::size_t carry_len_ = 0;
    uint16_t pcr_pid_ = ts::kPidNull;
    double keyframe_at_ms_ = -1;
    uint64_t first_pcr_ = 0;  // valid once startup_stall_ms_ >= 0
    bool startup_done_ = false;
    double startup_stall_ms_ = -1;
    bool resyncing_ = false;
    uint64_t sync_losses_ = 0;
};
