// ts_looper.cpp - continuity counter and timestamp rewriting across file loops; the loop duration scan.
#include "source/ts_looper.h"

#include <algorithm>
#include <cmath>

#include "common/ts/ts_packet.h"
#include "source/pcr_pacer.h"

namespace {
constexpr uint64_t kPtsWrap = uint64_t(1) << 33;  // PTS/DTS range, 90 kHz
constexpr uint64_t kPcrWrap = kPtsWrap * 300;
constexpr std::size_t kPcrOffset = 6;  // header, adaptation_field_length, flags

// Offsets of PTS and DTS in a packet that starts a PES packet; 0 where absent.
struct PesTimestampOffsets {
    std::size_t pts = 0;
    std::size_t dts = 0;
};

bool has_pes_header_extension(uint8_t stream_id) {
    // program_stream_map, padding, private_stream_2, ECM, EMM, program_stream_directory, DSMCC, H.222.1 E
    switch (stream_id) {
    case 0xBC: case 0xBE: case 0xBF: case 0xF0: case 0xF1: case 0xFF: case 0xF2: case 0xF8: return false;
    default: return true;
    }
}

PesTimestampOffsets find_pes_timestamps(const uint8_t* packet) {
    ts::PacketView p(packet);
    PesTimestampOffsets found;
    std::size_t off = p.payload_offset();
    if (!p.pusi() || off + 9 > ts::kPacketSize) return found;
    const uint8_t* pes = packet + off;
    bool is_pes = pes[0] == 0 && pes[1] == 0 && pes[2] == 1 && has_pes_header_extension(pes[3]) &&
                  (pes[6] & 0xC0) == 0x80;
    if (!is_pes) return found;
    unsigned pts_dts_flags = pes[7] >> 6;
    if ((pts_dts_flags & 2) && off + 14 <= ts::kPacketSize) found.pts = off + 9;
    if (pts_dts_flags == 3 && off + 19 <= ts::kPacketSize) found.dts = off + 14;
    return found;
}

// Span of one PID's decoding timestamps (DTS, else PTS) across the file.
struct TimestampSpan {
    bool seen = false;
    uint64_t first = 0;
    uint64_t last = 0;
    uint64_t last_step = 0;
    uint64_t length() const { return (last + kPtsWrap - first) % kPtsWrap; }
};
}  // namespace

uint64_t loop_duration_90khz(const uint8_t* data, std::size_t size, uint64_t bitrate_bps) {
    uint64_t duration = 0;
    if (bitrate_bps != 0) duration = (uint64_t(size) * 8 * 90000 + bitrate_bps - 1) / bitrate_bps;

    auto pcr = find_pcr_span(data, size);
    if (pcr) {
        // The whole file's bytes at the rate between first and last PCR.
        long double ticks = static_cast<long double>(size) * pcr->ticks / (pcr->last_offset - pcr->first_offset);
        duration = std::max(duration, static_cast<uint64_t>(std::ceil(ticks / 300)));
    }

    std::array<TimestampSpan, 8192> spans{};
    uint64_t min_step = UINT64_MAX;
    for (std::size_t off = 0; off + ts::kPacketSize <= size; off += ts::kPacketSize) {
        const uint8_t* packet = data + off;
        if (!ts::PacketView(packet).has_sync()) continue;
        PesTimestampOffsets found = find_pes_timestamps(packet);
        std::size_t field = found.dts ? found.dts : found.pts;
        if (field == 0) continue;
        uint64_t t = ts::read_pes_timestamp(packet + field);
        TimestampSpan& s = spans[ts::PacketView(packet).pid()];
        if (!s.seen) {
            s = TimestampSpan{true, t, t, 0};
            continue;
        }
        s.last_step = (t + kPtsWrap - s.last) % kPtsWrap;
        s.last = t;
        if (s.last_step > 0) min_step = std::min(min_step, s.last_step);
    }
    // The last PES of each PID lasts about one step, but audio PES bundle several frames and the last
    // bundle is often short. With PCR the byte length already covers that; the spans only need to keep
    // timestamps rising, by one frame of the finest stream. Without PCR, err towards a gap.
    for (const TimestampSpan& s : spans) {
        if (!s.seen) continue;
        uint64_t tail = pcr ? std::min(min_step, s.last_step) : s.last_step;
        duration = std::max(duration, s.length() + std::max<uint64_t>(tail, 1));
    }
    return duration;
}

void TsLooper::start_next_loop() {
    ++loop_;
    offset_90khz_ = (offset_90khz_ + loop_duration_90khz_) % kPtsWrap;
}

void TsLooper::rewrite(uint8_t* packet) {
    continue_counter(packet);
    if (offset_90khz_ != 0) shift_timestamps(packet);
}

void TsLooper::continue_counter(uint8_t* packet) {
    ts::PacketView p(packet);
    if (p.pid() == ts::kPidNull) return;
    PidState& s = pids_[p.pid()];
    uint8_t cc = p.continuity_counter();
    if (s.loop != loop_) {
        // First packet of this PID in this pass: pick the shift that makes it follow the previous pass.
        // A payload packet takes the next counter; one without payload repeats the current one.
        s.loop = loop_;
        if (s.has_cc) s.cc_shift = static_cast<uint8_t>((s.last_cc + (p.has_payload() ? 1 : 0) - cc) & 0x0F);
    }
    uint8_t out = static_cast<uint8_t>((cc + s.cc_shift) & 0x0F);
    if (s.cc_shift != 0) ts::set_continuity_counter(packet, out);
    if (p.has_payload()) {
        s.has_cc = true;
        s.last_cc = out;
    }
}

void TsLooper::shift_timestamps(uint8_t* packet) const {
    ts::PacketView p(packet);
    if (p.has_pcr()) ts::write_pcr(packet + kPcrOffset, (p.pcr() + offset_90khz_ * 300) % kPcrWrap);
    PesTimestampOffsets found = find_pes_timestamps(packet);
    for (std::size_t field : {found.pts, found.dts}) {
        if (field == 0) continue;
        uint64_t t = ts::read_pes_timestamp(packet + field);
        ts::write_pes_timestamp(packet + field, (t + offset_90khz_) % kPtsWrap);
    }
}
