// synthetic_psi.h - builds PAT and PMT sections with their CRC_32 and cuts sections into TS packets
// (pointer_field, sections spanning packets, several per packet). Test code only; header-only.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/ts/crc32_mpeg.h"
#include "synthetic_ts.h"

namespace synthetic {

// A long-form section: section 0 of 0, current, with `body` after the 8-byte header and then CRC_32.
inline std::vector<uint8_t> make_section(uint8_t table_id, uint16_t extension, uint8_t version,
                                         const std::vector<uint8_t>& body) {
    const std::size_t section_length = 5 + body.size() + 4;
    std::vector<uint8_t> s = {table_id,
                              static_cast<uint8_t>(0xB0 | (section_length >> 8)),
                              static_cast<uint8_t>(section_length),
                              static_cast<uint8_t>(extension >> 8),
                              static_cast<uint8_t>(extension),
                              static_cast<uint8_t>(0xC1 | ((version & 0x1F) << 1)),
                              0x00,
                              0x00};
    s.insert(s.end(), body.begin(), body.end());
    const uint32_t crc = ts::crc32_mpeg(s.data(), s.size());
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<uint8_t>(crc >> shift));
    return s;
}

inline void push_pid(std::vector<uint8_t>& out, uint8_t high_bits, uint16_t pid) {
    out.push_back(static_cast<uint8_t>(high_bits | (pid >> 8)));
    out.push_back(static_cast<uint8_t>(pid));
}

// `programs` holds (program_number, PID) pairs; program_number 0 names the network PID.
inline std::vector<uint8_t> make_pat(uint8_t version, const std::vector<std::pair<uint16_t, uint16_t>>& programs) {
    std::vector<uint8_t> body;
    for (const auto& [number, pid] : programs) {
        body.push_back(static_cast<uint8_t>(number >> 8));
        body.push_back(static_cast<uint8_t>(number));
        push_pid(body, 0xE0, pid);
    }
    return make_section(0x00, 0x0001, version, body);
}

struct EsInfo {
    uint8_t stream_type;
    uint16_t pid;
    std::vector<uint8_t> descriptors;
};

inline std::vector<uint8_t> make_pmt(uint16_t program, uint8_t version, uint16_t pcr_pid,
                                     const std::vector<EsInfo>& streams, const std::vector<uint8_t>& program_info = {}) {
    std::vector<uint8_t> body;
    push_pid(body, 0xE0, pcr_pid);
    push_pid(body, 0xF0, static_cast<uint16_t>(program_info.size()));
    body.insert(body.end(), program_info.begin(), program_info.end());
    for (const EsInfo& es : streams) {
        body.push_back(es.stream_type);
        push_pid(body, 0xE0, es.pid);
        push_pid(body, 0xF0, static_cast<uint16_t>(es.descriptors.size()));
        body.insert(body.end(), es.descriptors.begin(), es.descriptors.end());
    }
    return make_section(0x02, program, version, body);
}

// Sends `sections` back to back on `pid`. A packet in which a section starts gets
// payload_unit_start_indicator and a pointer_field to that start; the last packet is stuffed with 0xFF.
inline std::vector<Packet> packetize(uint16_t pid, const std::vector<std::vector<uint8_t>>& sections,
                                     uint8_t first_cc = 0) {
    std::vector<uint8_t> stream;
    std::vector<std::size_t> starts;
    for (const auto& s : sections) {
        starts.push_back(stream.size());
        stream.insert(stream.end(), s.begin(), s.end());
    }
    std::vector<Packet> packets;
    std::size_t pos = 0;
    std::size_t next_start = 0;  // index into starts
    uint8_t cc = first_cc;
    while (pos < stream.size()) {
        PacketSpec spec(pid, cc++);
        Packet p = make_packet(spec);
        std::size_t out = 4;
        while (next_start < starts.size() && starts[next_start] < pos) ++next_start;
        if (next_start < starts.size() && starts[next_start] < pos + (ts::kPacketSize - 5)) {
            p[1] |= 0x40;
            p[out++] = static_cast<uint8_t>(starts[next_start] - pos);
        }
        for (; out < ts::kPacketSize; ++out) p[out] = pos < stream.size() ? stream[pos++] : 0xFF;
        packets.push_back(p);
    }
    return packets;
}

}  // namespace synthetic
