// pcr_pacer.h - PcrPacer: when each batch of a looping TS file is due in real time, timed by the stream's
// PCR or by a fixed bitrate; and a file's average bitrate from its PCR span.
// Pure (the caller passes the clock reading in); each client thread owns its own pacer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

class PcrPacer {
public:
    using Clock = std::chrono::steady_clock;

    // A batch never grows beyond this, PCR or not, so the caller can size its buffer once.
    static constexpr std::size_t kMaxBatchPackets = 1024;

    // Paces by the PCR of the first PID that carries one. fallback_bitrate_bps (0 = unknown) times the
    // bytes no PCR covers: those before the first PCR, a stretch of kMaxBatchPackets without one, and the
    // step at a PCR jump.
    static PcrPacer from_pcr(uint64_t fallback_bitrate_bps);
    // Ignores PCR and sends bitrate_bps, in batches of about 20 ms.
    static PcrPacer from_bitrate(uint64_t bitrate_bps);

    // Feeds the next packet. A value means the batch ending with this packet is due at that time (send
    // it then, in one write); nullopt means keep collecting. `now` is the caller's clock, read once per
    // batch is enough: it anchors the first batch and detects a sender that fell behind.
    std::optional<Clock::time_point> on_packet(const uint8_t* packet, Clock::time_point now);

    // How often the clock was re-anchored: PCR jumps (file loop, discontinuity) and late senders.
    uint64_t reanchor_count() const { return reanchors_; }
    // The PID whose PCR paces, or -1 before the first PCR (and always with from_bitrate).
    int pcr_pid() const { return pcr_pid_; }

private:
    PcrPacer(bool use_pcr, uint64_t bitrate_bps);

    Clock::duration bytes_duration(std::size_t packets) const;
    Clock::time_point due_at_pcr(uint16_t pid, uint64_t pcr);
    Clock::time_point finish_batch(Clock::time_point due, Clock::time_point now);

    bool use_pcr_;
    uint64_t bitrate_bps_;          // 0 = unknown
    std::size_t batch_limit_;       // packets that end a batch without a PCR
    bool started_ = false;
    Clock::time_point last_due_{};  // due time of the previous batch
    std::size_t batch_packets_ = 0;

    int pcr_pid_ = -1;
    uint64_t last_pcr_ = 0;
    Clock::time_point anchor_time_{};  // wall time of the PCR the current anchor started at
    uint64_t anchor_ticks_ = 0;        // 27 MHz ticks since that PCR
    Clock::duration last_step_{};      // wall time between the last two PCRs, for a jump without a bitrate
    uint64_t reanchors_ = 0;
};

// First and last PCR of the first PID carrying one, in packet-aligned data.
struct PcrSpan {
    uint16_t pid = 0;
    std::size_t first_offset = 0;
    std::size_t last_offset = 0;
    uint64_t ticks = 0;  // last - first, 27 MHz
};
// nullopt when fewer than two PCRs of that PID, or they do not advance.
std::optional<PcrSpan> find_pcr_span(const uint8_t* data, std::size_t size);

// Bytes between the first and last PCR over the time between them; nullopt as for find_pcr_span.
std::optional<uint64_t> average_bitrate_bps(const uint8_t* data, std::size_t size);
