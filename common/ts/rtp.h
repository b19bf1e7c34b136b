// rtp.h - finds the TS payload of an RTP datagram (RFC 3550 header, MPEG-TS payload type 33 of RFC 2250).
// Pure functions over one datagram; no allocation, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtp {

constexpr uint8_t kVersion = 2;
constexpr uint8_t kPayloadTypeMp2t = 33;
constexpr std::size_t kFixedHeaderSize = 12;

enum class Framing {
    plain,      // not RTP carrying MP2T: hand on every byte
    mp2t,       // RTP with payload type 33: hand on [offset, offset + size)
    malformed,  // says RTP/MP2T, but its CSRC list, extension or padding runs past the end: drop it
};

struct Payload {
    Framing framing = Framing::plain;
    std::size_t offset = 0;
    std::size_t size = 0;
};

// Classifies one datagram. A TS datagram starts with the sync byte 0x47, whose top two bits (the RTP
// version) are 01, so plain TS is never taken for RTP.
Payload mp2t_payload(const uint8_t* data, std::size_t len);

}  // namespace rtp
