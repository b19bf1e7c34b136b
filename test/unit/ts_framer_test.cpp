// ts_framer_test.cpp - TsFramer: lock only after several syncs, alignment across reads, resync after
// garbage and cut packets, random bytes never framed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"

namespace {
constexpr std::size_t kLock = TsFramer::kLockSyncs;

// A packet whose bytes after the header are `fill`, so tests can tell packets apart.
std::vector<uint8_t> packet(uint8_t fill) {
    std::vector<uint8_t> p(ts::kPacketSize, fill);
    p[0] = ts::kSyncByte;
    p[1] = 0x01;
    p[2] = 0x00;
    p[3] = 0x10;
    return p;
}

// Packets filled with first, first+1, ... (count of them).
std::vector<uint8_t> packets(uint8_t first, std::size_t count) {
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i < count; ++i) {
        auto p = packet(static_cast<uint8_t>(first + i));
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
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

// Garbage with a false sync every `step` bytes (and none of the packets' fill values).
std::vector<uint8_t> garbage(std::size_t size, std::size_t step) {
    std::vector<uint8_t> g(size, 0xAA);
    for (std::size_t i = 1; i < size; i += step) g[i] = ts::kSyncByte;
    return g;
}
}  // namespace

TEST_CASE("TsFramer: aligned packets pass through unchanged", "[ts_framer]") {
    auto stream = packets(1, kLock);
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK((out == stream));
    CHECK(framer.skipped_bytes() == 0);
    CHECK(framer.held_bytes() == 0);
}

TEST_CASE("TsFramer: before locking, packets wait for kLockSyncs syncs in a row", "[ts_framer]") {
    TsFramer framer;
    std::vector<uint8_t> out;
    auto first = packets(1, kLock - 1);
    framer.push(first.data(), first.size(), out);
    CHECK(out.empty());
    // What waits for confirmation is bounded: less than kLockSyncs packets.
    CHECK(framer.held_bytes() == (kLock - 1) * ts::kPacketSize);
    const uint8_t sync = ts::kSyncByte;
    framer.push(&sync, 1, out);  // the last confirming sync: locked
    CHECK((out == first));
    auto rest = packet(0x55);
    framer.push(rest.data() + 1, rest.size() - 1, out);
    // Locked now: the packet goes out without waiting for its successor.
    CHECK((out == concat({first, rest})));
    CHECK(framer.skipped_bytes() == 0);
}

TEST_CASE("TsFramer: a packet split across reads is kept and completed", "[ts_framer]") {
    auto stream = packets(1, 12);
    for (std::size_t piece : {1u, 7u, 100u, 187u, 188u, 189u, 500u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, stream, piece);
        INFO("piece size " << piece);
        CHECK((out == stream));
        CHECK(framer.skipped_bytes() == 0);
    }
}

TEST_CASE("TsFramer: 10 MB of random bytes give no packet", "[ts_framer]") {
    std::mt19937 prng(20261216);  // fixed seed: the same bytes every run
    std::vector<uint8_t> noise(10 * 1000 * 1000);
    for (auto& byte : noise) byte = static_cast<uint8_t>(prng());
    for (std::size_t piece : {1316u, 65536u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, noise, piece);
        INFO("piece size " << piece);
        CHECK(out.empty());
        CHECK(framer.sync_losses() == 0);
        CHECK(framer.held_bytes() < kLock * ts::kPacketSize);
        CHECK(framer.skipped_bytes() + framer.held_bytes() == noise.size());
        framer.reset();
        CHECK(framer.skipped_bytes() == noise.size());
    }
}

TEST_CASE("TsFramer: syncs one packet apart in garbage, fewer than kLockSyncs, are not a lock", "[ts_framer]") {
    // kLockSyncs - 1 syncs one packet apart (a false candidate as long as noise ever makes), then
    // garbage, then a real stream: only the real stream comes out.
    auto noise = garbage(kLock * ts::kPacketSize + 33, 1000);
    for (std::size_t i = 0; i + 1 < kLock; ++i) noise[10 + i * ts::kPacketSize] = ts::kSyncByte;
    auto real = packets(1, kLock + 2);
    auto stream = concat({noise, real});
    for (std::size_t piece : {1u, 188u, 4096u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, stream, piece);
        INFO("piece size " << piece);
        CHECK((out == real));
        CHECK(framer.skipped_bytes() == noise.size());
        CHECK(framer.sync_losses() == 0);
    }
    // The false candidate alone, even in single bytes, gives nothing.
    TsFramer framer;
    CHECK(feed_in_pieces(framer, noise, 1).empty());
}

TEST_CASE("TsFramer: garbage before the first packet is skipped and counted", "[ts_framer]") {
    // 0..9 garbage (two false syncs), then packets
    std::vector<uint8_t> junk = {0x00, 0x47, 0x12, 0xff, 0x47, 0x00, 0x01, 0x02, 0x03, 0x04};
    auto real = packets(1, kLock + 1);
    auto stream = concat({junk, real});
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK((out == real));
    CHECK(framer.skipped_bytes() == junk.size());
}

TEST_CASE("TsFramer: garbage before and between packets is recovered exactly, in any read sizes", "[ts_framer]") {
    // in:  <garbage> 1..6 <garbage> 11..16
    // out: 1..5 11..16   <- 6 is not followed by a sync, so it cannot be told from a cut packet: dropped
    auto lead = garbage(700, 97);
    auto middle = garbage(450, 188);  // false syncs one packet apart, but not kLockSyncs of them
    auto stream = concat({lead, packets(1, 6), middle, packets(11, 6)});
    // Read sizes where packet 6 does not end a read (a locked framer sends such a packet at once).
    for (std::size_t piece : {13u, 1000u, 4096u, 100000u}) {
        TsFramer framer;
        auto out = feed_in_pieces(framer, stream, piece);
        INFO("piece size " << piece);
        CHECK((out == concat({packets(1, 5), packets(11, 6)})));
        CHECK(framer.skipped_bytes() == lead.size() + ts::kPacketSize + middle.size());
        CHECK(framer.sync_losses() == 1);
        CHECK(framer.held_bytes() == 0);
    }
}

TEST_CASE("TsFramer: syncs split across reads of one byte each", "[ts_framer]") {
    // in:  <garbage> 1..8 <garbage> 11..16, one byte per read
    // out: 1..8 11..16   <- 8 ends a read while locked, so it goes out before the garbage is seen
    auto lead = garbage(300, 188);
    auto middle = garbage(450, 188);
    auto stream = concat({lead, packets(1, 8), middle, packets(11, 6)});
    TsFramer framer;
    auto out = feed_in_pieces(framer, stream, 1);
    CHECK((out == concat({packets(1, 8), packets(11, 6)})));
    CHECK(framer.skipped_bytes() == lead.size() + middle.size());
    CHECK(framer.sync_losses() == 1);
    // Until the kLockSyncs-th sync byte, nothing is framed.
    TsFramer waiting;
    auto real = packets(1, kLock);
    auto first = feed_in_pieces(waiting, std::vector<uint8_t>(real.begin(), real.end() - ts::kPacketSize), 1);
    CHECK(first.empty());
    const uint8_t sync = ts::kSyncByte;
    waiting.push(&sync, 1, first);
    CHECK(first.size() == (kLock - 1) * ts::kPacketSize);
}

TEST_CASE("TsFramer: a cut packet loses sync once, and re-acquiring needs kLockSyncs syncs again", "[ts_framer]") {
    // in:  1..6, first 100 bytes of 7 (cut), 11..(10 + kLockSyncs)
    // out: 1..6, then 11.. only once kLockSyncs of them have been seen
    auto cut = packet(7);
    cut.resize(100);
    auto before = packets(1, 6);
    auto after = packets(11, kLock);
    TsFramer framer;
    std::vector<uint8_t> out;
    auto head = concat({before, cut, std::vector<uint8_t>(after.begin(), after.end() - ts::kPacketSize)});
    framer.push(head.data(), head.size(), out);
    CHECK((out == before));  // 6 is followed by the cut packet's sync: it goes out
    CHECK(framer.sync_losses() == 1);
    CHECK(framer.sync_byte_errors() == 0);  // the alignment moved: not one corrupted byte
    CHECK(framer.skipped_bytes() == cut.size());
    framer.push(after.data() + after.size() - ts::kPacketSize, ts::kPacketSize, out);
    CHECK((out == concat({before, after})));
    CHECK(framer.skipped_bytes() == cut.size());
}

TEST_CASE("TsFramer: a truncated tail is held, and counted as skipped on reset", "[ts_framer]") {
    auto stream = packets(1, kLock + 1);
    stream.resize(kLock * ts::kPacketSize + 120);
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK((out == packets(1, kLock)));
    framer.reset();
    CHECK(framer.skipped_bytes() == 120);
    // After reset a fresh stream is framed from scratch: it must lock again.
    out.clear();
    auto next = packets(20, kLock);
    framer.push(next.data(), (kLock - 1) * ts::kPacketSize, out);
    CHECK(out.empty());
    framer.push(next.data() + (kLock - 1) * ts::kPacketSize, ts::kPacketSize, out);
    CHECK((out == next));
}

TEST_CASE("TsFramer: bytes without any sync are all skipped at once", "[ts_framer]") {
    std::vector<uint8_t> noise(1000, 0x00);
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(noise.data(), noise.size(), out);
    CHECK(out.empty());
    CHECK(framer.skipped_bytes() == 1000);
    CHECK(framer.held_bytes() == 0);
}

TEST_CASE("TsFramer: one corrupted sync byte is a sync byte error and a sync loss", "[ts_framer]") {
    auto stream = packets(1, 12);
    stream[6 * ts::kPacketSize] = 0x48;  // packet 7's sync byte
    TsFramer framer;
    std::vector<uint8_t> out;
    framer.push(stream.data(), stream.size(), out);
    CHECK(framer.sync_losses() == 1);
    CHECK(framer.sync_byte_errors() == 1);
    CHECK((out == concat({packets(1, 5), packets(8, 5)})));  // 6 and 7 cannot be trusted
}
