// pcr_pacer.cpp - PCR and bitrate pacing; PCR span and average bitrate of a file.
#include "source/pcr_pacer.h"

#include <algorithm>

#include "common/ts/ts_packet.h"

namespace {
constexpr uint64_t kPcrWrap = (uint64_t(1) << 33) * 300;  // PCR range in 27 MHz ticks (about 26.5 h)
// A larger forward step, or any step back, is a file loop or a discontinuity, not elapsed time.
constexpr uint64_t kMaxPcrStep = ts::kPcrHz;
// A sender this late (a client that blocked the write) restarts the clock instead of bursting to catch up.
constexpr auto kMaxLag = std::chrono::seconds(1);
// Batches of a fixed bitrate last about 1/50 s: a few dozen writes per second.
constexpr uint64_t kBatchesPerSecond = 50;

PcrPacer::Clock::duration ticks_to_duration(uint64_t ticks) {
    return std::chrono::duration_cast<PcrPacer::Clock::duration>(std::chrono::nanoseconds(ticks * 1000 / 27));
}
}  // namespace

PcrPacer PcrPacer::from_pcr(uint64_t fallback_bitrate_bps) { return PcrPacer(true, fallback_bitrate_bps); }

PcrPacer PcrPacer::from_bitrate(uint64_t bitrate_bps) { return PcrPacer(false, bitrate_bps); }

PcrPacer::PcrPacer(bool use_pcr, uint64_t bitrate_bps)
    : use_pcr_(use_pcr), bitrate_bps_(bitrate_bps), batch_limit_(kMaxBatchPackets) {
    if (!use_pcr_) {
        uint64_t per_batch = bitrate_bps_ / 8 / ts::kPacketSize / kBatchesPerSecond;
        batch_limit_ = std::clamp<std::size_t>(per_batch, 1, kMaxBatchPackets);
    }
}

std::optional<PcrPacer::Clock::time_point> PcrPacer::on_packet(const uint8_t* packet, Clock::time_point now) {
    if (!started_) {
        started_ = true;
        last_due_ = now;
    }
    ++batch_packets_;
    ts::PacketView p(packet);
    if (use_pcr_ && p.has_pcr() && (pcr_pid_ < 0 || p.pid() == pcr_pid_))
        return finish_batch(due_at_pcr(p.pid(), p.pcr()), now);
    if (batch_packets_ < batch_limit_) return std::nullopt;
    return finish_batch(last_due_ + bytes_duration(batch_packets_), now);
}

PcrPacer::Clock::duration PcrPacer::bytes_duration(std::size_t packets) const {
    if (bitrate_bps_ == 0) return Clock::duration::zero();
    uint64_t bits = uint64_t(packets) * ts::kPacketSize * 8;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(bits * 1000000000 / bitrate_bps_));
}

PcrPacer::Clock::time_point PcrPacer::due_at_pcr(uint16_t pid, uint64_t pcr) {
    if (pcr_pid_ < 0) {
        pcr_pid_ = pid;
        anchor_time_ = last_due_ + bytes_duration(batch_packets_);
        anchor_ticks_ = 0;
    } else {
        uint64_t step = (pcr + kPcrWrap - last_pcr_) % kPcrWrap;
        if (step <= kMaxPcrStep) {
            anchor_ticks_ += step;
            last_step_ = ticks_to_duration(step);
        } else {
            // Continue as if the jump were an ordinary step: the bytes since the last batch at the
            // known rate, else the previous PCR interval.
            anchor_time_ = last_due_ + (bitrate_bps_ != 0 ? bytes_duration(batch_packets_) : last_step_);
            anchor_ticks_ = 0;
            ++reanchors_;
        }
    }
    last_pcr_ = pcr;
    return anchor_time_ + ticks_to_duration(anchor_ticks_);
}

PcrPacer::Clock::time_point PcrPacer::finish_batch(Clock::time_point due, Clock::time_point now) {
    due = std::max(due, last_due_);
    if (now - due > kMaxLag) {
        anchor_time_ += now - due;
        due = now;
        ++reanchors_;
    }
    last_due_ = due;
    batch_packets_ = 0;
    return due;
}

std::optional<PcrSpan> find_pcr_span(const uint8_t* data, std::size_t size) {
    std::optional<PcrSpan> span;
    uint64_t first_pcr = 0;
    for (std::size_t off = 0; off + ts::kPacketSize <= size; off += ts::kPacketSize) {
        ts::PacketView p(data + off);
        if (!p.has_sync() || !p.has_pcr()) continue;
        if (!span) {
            span = PcrSpan{p.pid(), off, off, 0};
            first_pcr = p.pcr();
            continue;
        }
        if (p.pid() != span->pid) continue;
        span->last_offset = off;
        span->ticks = (p.pcr() + kPcrWrap - first_pcr) % kPcrWrap;
    }
    if (!span || span->ticks == 0) return std::nullopt;
    return span;
}

std::optional<uint64_t> average_bitrate_bps(const uint8_t* data, std::size_t size) {
    auto span = find_pcr_span(data, size);
    if (!span) return std::nullopt;
    long double bits = static_cast<long double>(span->last_offset - span->first_offset) * 8;
    return static_cast<uint64_t>(bits * ts::kPcrHz / span->ticks + 0.5L);
}
