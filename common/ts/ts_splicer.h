// ts_splicer.h - joins the packets of a new upstream onto a stream that viewers are already playing.
// After a failover the new source's continuity counters and clock have nothing to do with the old
// ones; TsSplicer makes the join clean for decoders. Single-threaded: owned by one reader thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ts/continuity.h"

class TsSplicer {
public:
    // The next packets come from a new source. Until the new source's first PAT everything is
    // dropped (players must see PAT, then PMT, first); then each PID is dropped until its first
    // payload_unit_start, so no PES or section continues across the join. Continuity counters are
    // offset per PID so that they run on without a gap, and the first PCR of each PID gets the
    // discontinuity_indicator (a new time base).
    void begin_splice();

    // Rewrites `bytes` (whole packets) in place and erases the packets dropped by a splice.
    // `output` has checked every packet that went out so far: a PID's counters continue from its
    // last one. Returns the number of packets dropped.
    std::size_t process(std::vector<uint8_t>& bytes, const ContinuityChecker& output);

private:
    static constexpr std::size_t kPidCount = 8192;
    struct PidState {
        bool waiting_start = false; // dropping until payload_unit_start after a splice
        bool mark_pcr = false;      // set discontinuity_indicator on the next PCR
        uint8_t offset = 0;         // added to the source's counters, modulo 16
    };
    // Applies the state of `pid` to one packet; false when it is dropped.
    bool rewrite(uint8_t* packet, const ContinuityChecker& output);

    std::array<PidState, kPidCount> pids_{};
    bool waiting_pat_ = false;
};
