// stream_probe.h - StreamProbe: what a bench viewer checks in the body it receives: packet alignment,
// continuity counters, and when the first video keyframe a decoder can start from arrived.
// Single-threaded: one probe belongs to one load-client connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/continuity.h"
#include "common/ts_inspector.h"
#include "common/ts_packet.h"

class StreamProbe {
public:
    StreamProbe();
    ~StreamProbe();

    // Feeds body bytes in any split. True when they completed the packet that starts the first video
    // keyframe (a random access point per TsInspector, which needs the PAT and PMT first).
    bool feed(const uint8_t* data, std::size_t len);

    bool has_keyframe() const { return !inspector_; }
    uint64_t cc_errors() const { return continuity_.errors(); }
    // Times a packet boundary did not hold a sync byte (the body lost packet alignment).
    uint64_t sync_losses() const { return sync_losses_; }

private:
    // True when this packet is the first keyframe.
    bool check(const uint8_t* packet);

    ContinuityChecker continuity_;
    // Keyframes are recognised from the PMT's video PID, not from random_access_indicator on any PID:
    // ffmpeg sets that flag on audio frames too. Freed after the first keyframe: it costs per packet.
    std::unique_ptr<TsInspector> inspector_;
    uint8_t carry_[ts::kPacketSize];  // a packet split across feeds
    std::size_t carry_len_ = 0;
    bool resyncing_ = false;
    uint64_t sync_losses_ = 0;
};
