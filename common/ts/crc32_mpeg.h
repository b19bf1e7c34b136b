// crc32_mpeg.h - CRC-32/MPEG-2 (ISO/IEC 13818-1 Annex A), the checksum that ends every PSI section.
// Pure functions and a compile-time table; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ts {

namespace detail {
// Polynomial 0x04C11DB7, most significant bit first, no reflection and no final xor.
constexpr std::array<uint32_t, 256> make_crc32_mpeg_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t crc = i << 24;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
        table[i] = crc;
    }
    return table;
}
constexpr std::array<uint32_t, 256> kCrc32MpegTable = make_crc32_mpeg_table();
}  // namespace detail

// Starts from 0xFFFFFFFF. Over a whole section, CRC_32 included, the result is 0 when it is intact.
inline uint32_t crc32_mpeg(const uint8_t* data, std::size_t size) {
    uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i) crc = (crc << 8) ^ detail::kCrc32MpegTable[(crc >> 24) ^ data[i]];
    return crc;
}

}  // namespace ts
