// viewer_test.cpp - Viewer: its start goes out first and at once, it drops whole chunks on overflow,
// resumes only at a keyframe chunk with PAT and PMT first, and disconnects a viewer that keeps
// losing packets. Single-threaded: the test is both the reader and the viewer's thread.
#include <catch2/catch.hpp>

#include "server/pipeline/viewer.h"

using namespace std::chrono;

namespace {
ChunkRef chunk(uint8_t tag, std::size_t packets, bool keyframe = false, ChunkRef psi = nullptr) {
    auto c = std::make_shared<PacketChunk>();
    c->bytes.assign(packets * ts::kPacketSize, tag);
    c->random_access = keyframe;
    c->psi = std::move(psi);
    return c;
}

// The tags of the chunks the viewer would receive now, in order.
std::vector<uint8_t> drain(Viewer& client) {
    std::vector<ChunkRef> out;
    std::vector<uint8_t> tags;
    if (client.next_batch(out, 1, milliseconds(0)) != PacketQueue::PopResult::data) return tags;
    for (const ChunkRef& c : out) {
        auto tag = c->bytes.at(0);
        if (tags.empty() || tags.back() != tag) tags.push_back(tag);
    }
    return tags;
}
}  // namespace

TEST_CASE("Viewer: after an overflow it skips to the next keyframe, PAT and PMT first", "[viewer]") {
    // queue of 4 packets; chunks: 1(2p) 2(2p) 3(2p, overflows) 4(1p) 5(key, 1p, psi 9) 6(1p)
    // viewer gets: 1 2 | drained | 9 5 6   <- 3 and 4 dropped: 4 would fit but is mid-GOP
    ViewerLimits limits;
    limits.queue_bytes = 4 * ts::kPacketSize;
    Viewer client("/tv.ts", "127.0.0.1:1", limits);
    auto now = steady_clock::now();
    client.offer(chunk(1, 2), now);
    client.offer(chunk(2, 2), now);
    client.offer(chunk(3, 2), now);
    CHECK(client.packets_dropped() == 2);
    CHECK(drain(client) == std::vector<uint8_t>{1, 2});
    client.offer(chunk(4, 1), now);
    client.offer(chunk(5, 1, true, chunk(9, 1)), now);
    client.offer(chunk(6, 1), now);
    CHECK(drain(client) == std::vector<uint8_t>{9, 5, 6});
    CHECK(client.packets_dropped() == 3);
    CHECK_FALSE(client.is_disconnected());
}

TEST_CASE("Viewer: a keyframe that does not fit with its PAT and PMT keeps the skip going", "[viewer]") {
    ViewerLimits limits;
    limits.queue_bytes = 2 * ts::kPacketSize;
    Viewer client("/tv.ts", "127.0.0.1:1", limits);
    auto now = steady_clock::now();
    client.offer(chunk(1, 2), now);
    client.offer(chunk(2, 1), now);                            // overflow: skip starts
    client.offer(chunk(3, 1, true, chunk(9, 1)), now);         // 2 packets, 0 free: dropped
    CHECK(drain(client) == std::vector<uint8_t>{1});
    client.offer(chunk(4, 2, true, chunk(9, 1)), now);         // 3 packets, 2 free: dropped
    client.offer(chunk(5, 1, true, chunk(9, 1)), now);         // fits
    CHECK(drain(client) == std::vector<uint8_t>{9, 5});
}

TEST_CASE("Viewer: a viewer that keeps losing packets longer than max_lag is disconnected", "[viewer]") {
    ViewerLimits limits;
    limits.queue_bytes = ts::kPacketSize;
    limits.max_lag = milliseconds(5000);
    Viewer client("/tv.ts", "127.0.0.1:1", limits);
    auto t = steady_clock::now();
    client.offer(chunk(1, 1), t);
    client.offer(chunk(2, 1), t);
    client.offer(chunk(3, 1), t + milliseconds(4000));
    CHECK_FALSE(client.is_disconnected());
    client.offer(chunk(4, 1), t + milliseconds(5100));
    CHECK(client.is_disconnected());
    CHECK(client.end_reason() == "too slow: losing packets for 5100 ms");
}

TEST_CASE("Viewer: a picture is started only with room to finish it", "[viewer]") {
    // queue of 1 MiB; a 600 KiB picture start fits only while less than ~400 KiB is queued
    ViewerLimits limits;
    limits.queue_bytes = 1 << 20;
    Viewer client("/tv.ts", "127.0.0.1:1", limits);
    auto now = steady_clock::now();
    auto picture = [](uint8_t tag, std::size_t packets) {
        auto c = chunk(tag, packets);
        std::const_pointer_cast<PacketChunk>(c)->picture_start = true;
        return c;
    };
    client.offer(picture(1, 100), now);  // 18 KiB: fits with the reserve
    client.offer(chunk(2, 2000), now);   // 367 KiB of the same picture: fits
    client.offer(picture(3, 1000), now); // would leave less than the reserve: skip from here
    client.offer(chunk(4, 10), now);
    CHECK(drain(client) == std::vector<uint8_t>{1, 2});
    CHECK(client.packets_dropped() == 1010);
}

TEST_CASE("Viewer: the start goes out first, at once, then live batches", "[viewer]") {
    Viewer client("/tv.ts", "127.0.0.1:1", ViewerLimits{});
    const auto now = steady_clock::now();
    // preamble 8, PSI 9, a GOP of 1 (keyframe) and 2; then live 5
    REQUIRE(client.start({chunk(8, 1), chunk(9, 1), chunk(1, 2, true), chunk(2, 2)}));
    client.offer(chunk(5, 1), now);
    std::vector<ChunkRef> out;
    // The first batch does not wait for batch_bytes.
    REQUIRE(client.next_batch(out, 1 << 20, milliseconds(0)) == PacketQueue::PopResult::data);
    std::vector<uint8_t> tags;
    for (const ChunkRef& c : out) tags.push_back(c->bytes.at(0));
    CHECK(tags == std::vector<uint8_t>{8, 9, 1, 2, 5});
    // Later ones do, up to max_delay; then a partial batch comes out.
    client.offer(chunk(6, 1), now);
    CHECK(client.next_batch(out, 2 * ts::kPacketSize, milliseconds(0)) == PacketQueue::PopResult::data);
    CHECK(out.size() == 1);
    CHECK(client.next_batch(out, 1, milliseconds(0)) == PacketQueue::PopResult::timeout);
    client.disconnect("test");
    CHECK(client.next_batch(out, 1, milliseconds(0)) == PacketQueue::PopResult::closed);
    CHECK(client.end_reason() == "test");
}

TEST_CASE("Viewer: a start that does not fit is skipped; the viewer starts at the next keyframe", "[viewer]") {
    ViewerLimits limits;
    limits.queue_bytes = 3 * ts::kPacketSize;
    Viewer client("/tv.ts", "127.0.0.1:1", limits);
    const auto now = steady_clock::now();
    CHECK_FALSE(client.start({chunk(9, 1), chunk(1, 2, true), chunk(2, 2)}));
    client.offer(chunk(3, 1), now);                     // mid-GOP: skipped
    client.offer(chunk(4, 1, true, chunk(9, 1)), now);  // a keyframe, PAT and PMT first
    CHECK(drain(client) == std::vector<uint8_t>{9, 4});
}

TEST_CASE("Viewer: release() ends it and lets go of its queued chunks at once", "[viewer]") {
    Viewer client("/tv.ts", "127.0.0.1:1", ViewerLimits{});
    ChunkRef queued = chunk(1, 1);
    client.offer(queued, steady_clock::now());
    CHECK(queued.use_count() == 2);
    client.release("client closed connection");
    CHECK(queued.use_count() == 1);
    CHECK(client.is_disconnected());
    CHECK_FALSE(client.offer(chunk(2, 1), steady_clock::now()));  // the reader drops it from its list
    CHECK(client.end_reason() == "client closed connection");
}
