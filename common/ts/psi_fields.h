// psi_fields.h - reading and writing the fields of long-form PSI sections (ISO/IEC 13818-1 2.4.4),
// and cutting a section into TS packets. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ts {

inline uint16_t read_pid(const uint8_t* field) { return static_cast<uint16_t>(((field[0] & 0x1F) << 8) | field[1]); }
inline uint16_t read_u16(const uint8_t* field) { return static_cast<uint16_t>((field[0] << 8) | field[1]); }
inline std::size_t read_length12(const uint8_t* field) { return (std::size_t(field[0] & 0x0F) << 8) | field[1]; }
inline uint32_t read_u32(const uint8_t* field) {
    return (uint32_t(field[0]) << 24) | (uint32_t(field[1]) << 16) | (uint32_t(field[2]) << 8) | field[3];
}

// current_next_indicator - 1 bit: 0 announces a table that does not apply yet.
inline bool is_current(const std::vector<uint8_t>& section) { return section[5] & 0x01; }
// version_number - 5 bits.
inline uint8_t section_version(const std::vector<uint8_t>& section) { return (section[5] >> 1) & 0x1F; }
// The CRC_32 a section ends with: tells a repeated table from a changed one.
inline uint32_t section_crc(const std::vector<uint8_t>& section) { return read_u32(&section[section.size() - 4]); }

// The (program_number, PID) entries of a program_association_section; program_number 0 is the network_PID.
inline std::vector<std::pair<uint16_t, uint16_t>> pat_entries(const std::vector<uint8_t>& section) {
    std::vector<std::pair<uint16_t, uint16_t>> entries;
    for (std::size_t pos = 8; pos + 4 <= section.size() - 4; pos += 4) entries.emplace_back(read_u16(&section[pos]), read_pid(&section[pos + 2]));
    return entries;
}

// A section built from the header and body in `section` (CRC_32 not included): sets its
// section_length and version_number, then appends the CRC_32.
void seal_section(std::vector<uint8_t>& section, uint8_t version);

// Appends `section` to `out` as packets of `pid`, the first with payload_unit_start_indicator and
// pointer_field 0, the last stuffed with 0xFF; `cc` is the next continuity_counter, advanced.
void append_section_packets(uint16_t pid, const std::vector<uint8_t>& section, uint8_t& cc, std::vector<uint8_t>& out);

}  // namespace ts
