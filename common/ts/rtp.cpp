// rtp.cpp - RTP header parsing: fixed header, CSRC list, header extension, padding.
#include "common/ts/rtp.h"

namespace rtp {

Payload mp2t_payload(const uint8_t* data, std::size_t len) {
    Payload out;
    out.size = len;
    if (len < kFixedHeaderSize || (data[0] >> 6) != kVersion || (data[1] & 0x7F) != kPayloadTypeMp2t) return out;

    out.framing = Framing::malformed;
    const bool padding = data[0] & 0x20;
    const bool extension = data[0] & 0x10;
    const std::size_t csrc_count = data[0] & 0x0F;
    std::size_t header = kFixedHeaderSize + 4 * csrc_count;
    if (extension) {
        // 16 bits profile-defined, 16 bits length in 32-bit words, not counting this 4-byte header.
        if (header + 4 > len) return out;
        header += 4 + 4 * ((std::size_t(data[header + 2]) << 8) | data[header + 3]);
    }
    if (header > len) return out;
    std::size_t trailer = 0;
    if (padding) {
        // The last byte counts the padding bytes, itself included.
        trailer = data[len - 1];
        if (trailer == 0 || header + trailer > len) return out;
    }
    out.framing = Framing::mp2t;
    out.offset = header;
    out.size = len - header - trailer;
    return out;
}

}  // namespace rtp
