// ts_packet.h - MPEG transport stream packet constants, field accessors and the few field writers
// (ISO/IEC 13818-1). Pure functions over 188 bytes; no allocation, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ts {

constexpr std::size_t kPacketSize = 188;
constexpr uint8_t kSyncByte = 0x47;
constexpr uint16_t kPidPat = 0x0000;
constexpr uint16_t kPidNull = 0x1FFF;
constexpr uint64_t kPcrHz = 27000000;  // PCR ticks per second (90 kHz base * 300 + extension)

// A view over one packet; the bytes must stay alive and be at least kPacketSize long.
class PacketView {
public:
    explicit PacketView(const uint8_t* bytes) : p_(bytes) {}

    bool has_sync() const { return p_[0] == kSyncByte; }
    // transport_error_indicator - 1 bit.
    bool tei() const { return p_[1] & 0x80; }
    // payload_unit_start_indicator - 1 bit.
    bool pusi() const { return p_[1] & 0x40; }
    // PID - 13 bits.
    uint16_t pid() const { return static_cast<uint16_t>(((p_[1] & 0x1F) << 8) | p_[2]); }
    // adaptation_field_control - 2 bits: bit 1 = adaptation field present, bit 0 = payload present.
    bool has_adaptation() const { return p_[3] & 0x20; }
    bool has_payload() const { return p_[3] & 0x10; }
    // continuity_counter - 4 bits.
    uint8_t continuity_counter() const { return p_[3] & 0x0F; }

    uint8_t adaptation_length() const { return has_adaptation() ? p_[4] : 0; }
    // discontinuity_indicator - 1 bit of the adaptation field flags.
    bool discontinuity() const { return adaptation_length() > 0 && (p_[5] & 0x80); }
    // random_access_indicator - 1 bit of the adaptation field flags.
    bool random_access() const { return adaptation_length() > 0 && (p_[5] & 0x40); }
    bool has_pcr() const { return adaptation_length() >= 7 && (p_[5] & 0x10); }
    // program_clock_reference: 33-bit base * 300 + 9-bit extension, in 27 MHz ticks.
    uint64_t pcr() const {
        const uint8_t* a = p_ + 6;
        uint64_t base = (uint64_t(a[0]) << 25) | (uint64_t(a[1]) << 17) | (uint64_t(a[2]) << 9) |
                        (uint64_t(a[3]) << 1) | (a[4] >> 7);
        uint64_t ext = (uint64_t(a[4] & 0x01) << 8) | a[5];
        return base * 300 + ext;
    }

    // Offset of the payload within the packet; kPacketSize when there is none or the header is bad.
    std::size_t payload_offset() const {
        if (!has_payload()) return kPacketSize;
        std::size_t off = 4 + (has_adaptation() ? 1 + std::size_t(p_[4]) : 0);
        return off <= kPacketSize ? off : kPacketSize;
    }

    const uint8_t* data() const { return p_; }

private:
    const uint8_t* p_;
};

// Writers for the fields a looping source rewrites. `p` is one whole, writable packet; `field` points
// at the first byte of the field.
inline void set_continuity_counter(uint8_t* p, uint8_t cc) {
    p[3] = static_cast<uint8_t>((p[3] & 0xF0) | (cc & 0x0F));
}

// program_clock_reference from 27 MHz ticks (taken modulo its range); the 6 reserved bits are set to 1.
inline void write_pcr(uint8_t* field, uint64_t pcr) {
    uint64_t base = (pcr / 300) & ((uint64_t(1) << 33) - 1);
    uint64_t ext = pcr % 300;
    field[0] = static_cast<uint8_t>(base >> 25);
    field[1] = static_cast<uint8_t>(base >> 17);
    field[2] = static_cast<uint8_t>(base >> 9);
    field[3] = static_cast<uint8_t>(base >> 1);
    field[4] = static_cast<uint8_t>(((base & 1) << 7) | 0x7E | (ext >> 8));
    field[5] = static_cast<uint8_t>(ext);
}

// PTS or DTS of a PES header: 33 bits of 90 kHz spread over 5 bytes between marker bits.
inline uint64_t read_pes_timestamp(const uint8_t* field) {
    return (uint64_t(field[0] & 0x0E) << 29) | (uint64_t(field[1]) << 22) | (uint64_t(field[2] & 0xFE) << 14) |
           (uint64_t(field[3]) << 7) | (field[4] >> 1);
}

// Keeps the 4-bit prefix ('0010', '0011' or '0001') and sets the marker bits.
inline void write_pes_timestamp(uint8_t* field, uint64_t ts) {
    field[0] = static_cast<uint8_t>((field[0] & 0xF0) | ((ts >> 29) & 0x0E) | 1);
    field[1] = static_cast<uint8_t>(ts >> 22);
    field[2] = static_cast<uint8_t>(((ts >> 14) & 0xFE) | 1);
    field[3] = static_cast<uint8_t>(ts >> 7);
    field[4] = static_cast<uint8_t>((ts << 1) | 1);
}

}  // namespace ts
