// ts_looper.h - TsLooper: makes a TS file played in a loop look like one continuous live channel.
// At each wrap it continues the continuity counters per PID and moves PCR, PTS and DTS on by one loop.
// Pure; each client thread owns the looper of its own playback.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

// How far timestamps advance per pass of the file, in 90 kHz units: the longest of the file's length in
// bytes at bitrate_bps (0 = skip), its PCR span and its PES timestamp span per PID (each plus its last
// step), so no clock steps back at the wrap. 0 when the file carries no timing at all.
uint64_t loop_duration_90khz(const uint8_t* data, std::size_t size, uint64_t bitrate_bps);

class TsLooper {
public:
    explicit TsLooper(uint64_t loop_duration_90khz) : loop_duration_90khz_(loop_duration_90khz) {}

    // The file starts over: later packets continue the counters and get one more loop of offset.
    void start_next_loop();
    // Rewrites one packet in place; it must start with the sync byte.
    void rewrite(uint8_t* packet);

    uint64_t loop_count() const { return loop_; }

private:
    struct PidState {
        uint64_t loop = 0;     // loop in which cc_shift was set
        bool has_cc = false;   // last_cc is the output counter of a payload packet
        uint8_t last_cc = 0;
        uint8_t cc_shift = 0;  // added to this loop's counters, modulo 16
    };

    void continue_counter(uint8_t* packet);
    void shift_timestamps(uint8_t* packet) const;

    uint64_t loop_duration_90khz_;
    uint64_t loop_ = 0;
    uint64_t offset_90khz_ = 0;
    std::array<PidState, 8192> pids_{};
};
