// ts_framer_test.cpp - TsFramer: alignment across reads, resync after garbage, truncated tails.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"

namespace {
// A packet whose bytes after the header are `fill`, so tests can tell packets apart.
std::vector<uint8_t> packet(uint8_t fill) {
    std::vector<uint8_t> p(ts::kPacketSize, fill);
    p[0] = ts::kSyncByte;
    p[1] = 0x01;
    p[2] = 0x00;
    p[3] = 0x10;
    return p;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::vector<uint8_t> feed_in_pieces(TsFramer& framer, const std::vector<uint8_t>& bytes, std::size_t piece) {
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i < bytes.size(); i += piece)
        framer.push(bytes.data() + i, std::min(piece, bytes.size() - i), out);
    return out;
}
}  // namespace

TEST_CASE("TsFramer: aligned packets pass through unchanged", "[ts_framer]") {
    auto stream = concat({packet(1), packet(2), packet(3)});
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK(out == stream);
    CHECK(framer.skipped_bytes() == 0);
}

TEST_CASE("TsFramer: before locking, a lone packet waits for the next sync to confirm it", "[ts_framer]") {
    TsFramer framer;
    std::vector<uint8_t> out;
    auto first = packet(1);
    framer.push(first.data(), first.size(), out);
    CHECK(out.empty());
    auto second = packet(2);
    framer.push(second.data(), second.size(), out);
    // Locked now: packet 2 needs no confirmation.
    CHECK(out == concat({packet(1), packet(2)}));
}

TEST_CASE("TsFramer: a packet split across reads is kept and completed", "[ts_framer]") {
    auto stream = concat({packet(1), packet(2), packet(3), packet(4)});
    for (std::size_t piece : {1u, 7u, 100u, 187u, 188u, 189u, 500u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, stream, piece);
        INFO("piece size " << piece);
        CHECK(out == stream);
        CHECK(framer.skipped_bytes() == 0);
    }
}

TEST_CASE("TsFramer: garbage before the first packet is skipped and counted", "[ts_framer]") {
    // bytes: 0..9 garbage (one of them a false 0x47), then packets 1 2 3
    std::vector<uint8_t> garbage = {0x00, 0x47, 0x12, 0xff, 0x47, 0x00, 0x01, 0x02, 0x03, 0x04};
    auto stream = concat({garbage, packet(1), packet(2), packet(3)});
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK(out == concat({packet(1), packet(2), packet(3)}));
    CHECK(framer.skipped_bytes() == garbage.size());
}

TEST_CASE("TsFramer: garbage between packets loses sync once and resyncs", "[ts_framer]") {
    // in:  1 2 <50 bytes garbage> 3 4 5
    // out: 1 3 4 5   <- 2 is not followed by a sync, so it cannot be told from a cut packet: dropped
    std::vector<uint8_t> garbage(50, 0xAA);
    auto stream = concat({packet(1), packet(2), garbage, packet(3), packet(4), packet(5)});
    for (std::size_t piece : {13u, 4096u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, stream, piece);
        INFO("piece size " << piece);
        CHECK(out == concat({packet(1), packet(3), packet(4), packet(5)}));
        CHECK(framer.skipped_bytes() == ts::kPacketSize + garbage.size());
        CHECK(framer.sync_losses() == 1);
    }
}

TEST_CASE("TsFramer: a truncated packet followed by a new packet is dropped", "[ts_framer]") {
    // packets: 1, first 100 bytes of 2 (cut), 3, 4
    auto cut = packet(2);
    cut.resize(100);
    auto stream = concat({packet(1), cut, packet(3), packet(4)});
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK(out == concat({packet(1), packet(3), packet(4)}));
    CHECK(framer.skipped_bytes() == 100);
}

TEST_CASE("TsFramer: a truncated tail is held, and counted as skipped on reset", "[ts_framer]") {
    auto stream = concat({packet(1), packet(2)});
    stream.resize(188 + 120);
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK(out == packet(1));
    framer.reset();
    CHECK(framer.skipped_bytes() == 120);
    // After reset a fresh stream is framed from scratch.
    out.clear();
    auto next = concat({packet(7), packet(8)});
    framer.push(next.data(), next.size(), out);
    CHECK(out == next);
}

TEST_CASE("TsFramer: bytes without any sync are all skipped", "[ts_framer]") {
    std::vector<uint8_t> noise(1000, 0x00);
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(noise.data(), noise.size(), out);
    CHECK(out.empty());
    CHECK(framer.skipped_bytes() == 1000);
}
