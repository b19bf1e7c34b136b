// psi_fields.cpp - sealing a section with its CRC_32 and carrying it in packets.
#include "common/ts/psi_fields.h"

#include <algorithm>

#include "common/ts/crc32_mpeg.h"
#include "common/ts/ts_packet.h"

namespace ts {

void seal_section(std::vector<uint8_t>& section, uint8_t version) {
    const std::size_t section_length = section.size() - 3 + 4;  // after the field, CRC_32 included
    section[1] = static_cast<uint8_t>((section[1] & 0xF0) | ((section_length >> 8) & 0x0F));
    section[2] = static_cast<uint8_t>(section_length);
    section[5] = static_cast<uint8_t>((section[5] & 0xC1) | ((version & 0x1F) << 1));
    const uint32_t crc = crc32_mpeg(section.data(), section.size());
    for (int shift = 24; shift >= 0; shift -= 8) section.push_back(static_cast<uint8_t>(crc >> shift));
}

void append_section_packets(uint16_t pid, const std::vector<uint8_t>& section, uint8_t& cc, std::vector<uint8_t>& out) {
    std::size_t pos = 0;
    do {
        const std::size_t start = out.size();
        out.resize(start + kPacketSize, 0xFF);
        uint8_t* p = out.data() + start;
        p[0] = kSyncByte;
        p[1] = static_cast<uint8_t>((pos == 0 ? 0x40 : 0) | (pid >> 8));
        p[2] = static_cast<uint8_t>(pid);
        p[3] = static_cast<uint8_t>(0x10 | (cc & 0x0F));  // payload only
        cc = static_cast<uint8_t>((cc + 1) & 0x0F);
        std::size_t at = 4;
        if (pos == 0) p[at++] = 0;  // pointer_field: the section starts right after it
        const std::size_t n = std::min(kPacketSize - at, section.size() - pos);
        std::copy_n(section.begin() + pos, n, p + at);
        pos += n;
    } while (pos < section.size());
}

}  // namespace ts
