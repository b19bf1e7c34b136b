// synthetic_ts.h - builds TS packets field by field for unit tests: header, adaptation field with PCR
// and discontinuity flag, PES header with PTS/DTS. Test code only; header-only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ts/ts_packet.h"

namespace synthetic {

using Packet = std::array<uint8_t, ts::kPacketSize>;

struct PacketSpec {
    PacketSpec(uint16_t pid_ = 0x100, uint8_t cc_ = 0) : pid(pid_), cc(cc_) {}

    uint16_t pid;
    uint8_t cc;
    bool payload = true;
    bool discontinuity = false;
    std::optional<uint64_t> pcr;  // 27 MHz
    std::optional<uint64_t> pts;  // 90 kHz; starts a PES packet (sets payload_unit_start_indicator)
    std::optional<uint64_t> dts;  // only with pts
};

inline Packet make_packet(const PacketSpec& spec) {
    Packet p;
    p.fill(0xFF);
    bool adaptation = spec.pcr || spec.discontinuity || !spec.payload;
    p[0] = ts::kSyncByte;
    p[1] = static_cast<uint8_t>((spec.pts ? 0x40 : 0) | (spec.pid >> 8));
    p[2] = static_cast<uint8_t>(spec.pid);
    p[3] = static_cast<uint8_t>((adaptation ? 0x20 : 0) | (spec.payload ? 0x10 : 0) | (spec.cc & 0x0F));
    std::size_t pos = 4;
    if (adaptation) {
        // Without payload the adaptation field fills the packet; with it, it holds just flags and PCR.
        uint8_t length = spec.payload ? (spec.pcr ? 7 : 1) : 183;
        p[4] = length;
        p[5] = static_cast<uint8_t>((spec.discontinuity ? 0x80 : 0) | (spec.pcr ? 0x10 : 0));
        if (spec.pcr) ts::write_pcr(&p[6], *spec.pcr);
        pos = 5 + length;
    }
    if (!spec.payload) return p;
    if (spec.pts) {
        const uint8_t pes[] = {0x00, 0x00, 0x01, 0xE0, 0x00, 0x00, 0x80,
                               static_cast<uint8_t>(spec.dts ? 0xC0 : 0x80), static_cast<uint8_t>(spec.dts ? 10 : 5)};
        for (uint8_t b : pes) p[pos++] = b;
        p[pos] = spec.dts ? 0x30 : 0x20;
        ts::write_pes_timestamp(&p[pos], *spec.pts);
        pos += 5;
        if (spec.dts) {
            p[pos] = 0x10;
            ts::write_pes_timestamp(&p[pos], *spec.dts);
            pos += 5;
        }
    }
    for (; pos < ts::kPacketSize; ++pos) p[pos] = 0xAB;
    return p;
}

inline std::vector<uint8_t> concat(const std::vector<Packet>& packets) {
    std::vector<uint8_t> out;
    for (const Packet& p : packets) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace synthetic
