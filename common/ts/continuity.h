// continuity.h - ContinuityChecker: counts continuity_counter gaps per PID in a packet sequence.
// Not thread-safe: one checker belongs to whoever reads that sequence (ts_check, a packetizer).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

class ContinuityChecker {
public:
    // Checks one packet (must start with the sync byte); false when it shows a gap, counted in errors().
    // Not checked, as ISO/IEC 13818-1 2.4.3.3 allows: the first packet of a PID, packets without payload
    // (their counter does not advance), one repeat of the previous counter (a duplicate packet),
    // discontinuity_indicator, null packets, and packets flagged with transport_error_indicator.
    bool check(const uint8_t* packet);

    uint64_t errors() const { return errors_; }
    // The counter of the last packet with payload of `pid` checked, if any: where a spliced source
    // or a repeated table must continue.
    std::optional<uint8_t> last_counter(uint16_t pid) const;
    // Distinct PIDs seen, null packets included.
    std::size_t pid_count() const { return pid_count_; }
    void reset();

private:
    static constexpr std::size_t kPidCount = 8192;
    struct PidState {
        bool seen = false;         // any packet of this PID so far
        bool has_counter = false;  // last_cc holds the counter of a payload packet
        bool duplicated = false;   // last_cc was already repeated once
        uint8_t last_cc = 0;
    };

    std::array<PidState, kPidCount> pids_{};
    uint64_t errors_ = 0;
    std::size_t pid_count_ = 0;
};
