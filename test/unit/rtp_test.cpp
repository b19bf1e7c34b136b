// rtp_test.cpp - rtp::mp2t_payload: plain TS passes whole, RTP headers with CSRCs, extension and
// padding are stripped, other payload types and truncated headers are told apart.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "common/ts/rtp.h"
#include "common/ts/ts_packet.h"

namespace {

using Bytes = std::vector<uint8_t>;

// A datagram of `header` bytes followed by `packets` TS packets and then `trailer`.
Bytes datagram(const Bytes& header, int packets, const Bytes& trailer = {}) {
    Bytes out = header;
    for (int i = 0; i < packets; ++i) {
        Bytes packet(ts::kPacketSize, 0xFF);
        packet[0] = ts::kSyncByte;
        out.insert(out.end(), packet.begin(), packet.end());
    }
    out.insert(out.end(), trailer.begin(), trailer.end());
    return out;
}

rtp::Payload parse(const Bytes& bytes) { return rtp::mp2t_payload(bytes.data(), bytes.size()); }

//                       V=2 PT=33  seq        timestamp               SSRC
const Bytes kPlainHeader{0x80, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78};

}  // namespace

TEST_CASE("rtp::mp2t_payload: a plain TS datagram is never taken for RTP", "[rtp]") {
    Bytes bytes = datagram({}, 7);
    // 0x47 has version bits 01; whatever follows the sync byte must not matter.
    for (int second = 0; second < 256; ++second) {
        bytes[1] = static_cast<uint8_t>(second);
        rtp::Payload p = parse(bytes);
        INFO("second byte " << second);
        CHECK(p.framing == rtp::Framing::plain);
        CHECK(p.offset == 0);
        CHECK(p.size == bytes.size());
    }
}

TEST_CASE("rtp::mp2t_payload: a 12-byte header is stripped", "[rtp]") {
    rtp::Payload p = parse(datagram(kPlainHeader, 7));
    CHECK(p.framing == rtp::Framing::mp2t);
    CHECK(p.offset == 12);
    CHECK(p.size == 7 * ts::kPacketSize);

    SECTION("the marker bit does not change the payload type") {
        Bytes header = kPlainHeader;
        header[1] = 0xA1;  // M=1, PT=33
        CHECK(parse(datagram(header, 7)).offset == 12);
    }
}

TEST_CASE("rtp::mp2t_payload: CSRCs, header extension and padding are skipped", "[rtp]") {
    //              V=2 P=1 X=1 CC=2  PT=33
    Bytes header{0xB2, 0x21, 0x00, 0x02, 0x00, 0x00, 0x00, 0x20, 0x12, 0x34, 0x56, 0x78,
                 0x00, 0x00, 0x00, 0x01,   // CSRC 1
                 0x00, 0x00, 0x00, 0x02,   // CSRC 2
                 0xBE, 0xDE, 0x00, 0x02,   // extension: profile 0xBEDE, 2 words follow
                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    const Bytes padding{0x00, 0x00, 0x00, 0x04};  // 4 bytes of padding, the count included
    Bytes bytes = datagram(header, 7, padding);
    rtp::Payload p = parse(bytes);
    CHECK(p.framing == rtp::Framing::mp2t);
    CHECK(p.offset == 12 + 8 + 4 + 8);
    CHECK(p.size == 7 * ts::kPacketSize);
    CHECK(bytes[p.offset] == ts::kSyncByte);
}

TEST_CASE("rtp::mp2t_payload: other payload types and versions pass unchanged", "[rtp]") {
    Bytes header = kPlainHeader;
    SECTION("dynamic payload type 96") { header[1] = 96; }
    SECTION("RTP version 1") { header[0] = 0x40; }
    SECTION("version 3") { header[0] = 0xC0; }
    Bytes bytes = datagram(header, 7);
    rtp::Payload p = parse(bytes);
    CHECK(p.framing == rtp::Framing::plain);
    CHECK(p.size == bytes.size());
}

TEST_CASE("rtp::mp2t_payload: a header that runs past the datagram is malformed", "[rtp]") {
    SECTION("shorter than the fixed header: not RTP at all") {
        Bytes bytes(kPlainHeader.begin(), kPlainHeader.begin() + 11);
        CHECK(parse(bytes).framing == rtp::Framing::plain);
    }
    SECTION("CSRC count beyond the end") {
        Bytes header = kPlainHeader;
        header[0] = 0x8F;  // 15 CSRCs = 60 bytes, none present
        CHECK(parse(datagram(header, 0, {1, 2, 3, 4})).framing == rtp::Framing::malformed);
    }
    SECTION("extension header cut off") {
        Bytes header = kPlainHeader;
        header[0] = 0x90;
        CHECK(parse(datagram(header, 0, {0xBE, 0xDE})).framing == rtp::Framing::malformed);
    }
    SECTION("extension length beyond the end") {
        Bytes header = kPlainHeader;
        header[0] = 0x90;
        header.insert(header.end(), {0xBE, 0xDE, 0x01, 0x00});  // 256 words
        CHECK(parse(datagram(header, 1)).framing == rtp::Framing::malformed);
    }
    SECTION("padding count larger than the payload") {
        Bytes header = kPlainHeader;
        header[0] = 0xA0;
        CHECK(parse(datagram(header, 0, {0x00, 0x00, 0x09})).framing == rtp::Framing::malformed);
    }
    SECTION("padding count of zero") {
        Bytes header = kPlainHeader;
        header[0] = 0xA0;
        CHECK(parse(datagram(header, 1, {0x00})).framing == rtp::Framing::malformed);
    }
}

TEST_CASE("rtp::mp2t_payload: a header with no payload is an empty MP2T payload", "[rtp]") {
    rtp::Payload p = parse(kPlainHeader);
    CHECK(p.framing == rtp::Framing::mp2t);
    CHECK(p.offset == 12);
    CHECK(p.size == 0);
}
