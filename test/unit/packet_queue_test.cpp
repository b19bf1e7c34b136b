// packet_queue_test.cpp - PacketQueue: order, limits, close, and a producer and consumer on two threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "server/pipeline/packet_queue.h"

using namespace std::chrono_literals;

namespace {
ChunkRef make_chunk(uint32_t id, std::size_t packets = 1) {
    auto chunk = std::make_shared<PacketChunk>();
    chunk->bytes.assign(packets * ts::kPacketSize, 0);
    for (int i = 0; i < 4; ++i) chunk->bytes[i + 4] = static_cast<uint8_t>(id >> (8 * i));
    return chunk;
}

uint32_t chunk_id(const ChunkRef& chunk) {
    uint32_t id = 0;
    for (int i = 0; i < 4; ++i) id |= uint32_t(chunk->bytes[i + 4]) << (8 * i);
    return id;
}
}  // namespace

TEST_CASE("PacketQueue: consumer sees chunks in push order", "[packet_queue]") {
    PacketQueue queue(8, 1 << 20);
    for (uint32_t i = 0; i < 5; ++i) REQUIRE(queue.push(make_chunk(i)));
    std::vector<ChunkRef> out;
    REQUIRE(queue.pop_batch(out, 0ms) == PacketQueue::PopResult::data);
    REQUIRE(out.size() == 5);
    for (uint32_t i = 0; i < 5; ++i) CHECK(chunk_id(out[i]) == i);
    CHECK(queue.queued_bytes() == 0);
}

TEST_CASE("PacketQueue: push fails when the slots are used up", "[packet_queue]") {
    PacketQueue queue(4, 1 << 20);
    for (uint32_t i = 0; i < 4; ++i) REQUIRE(queue.push(make_chunk(i)));
    CHECK_FALSE(queue.push(make_chunk(4)));
    std::vector<ChunkRef> out;
    queue.pop_batch(out, 0ms);
    CHECK(queue.push(make_chunk(5)));
}

TEST_CASE("PacketQueue: push fails when the byte limit would be passed", "[packet_queue]") {
    PacketQueue queue(64, 10 * ts::kPacketSize);
    REQUIRE(queue.push(make_chunk(0, 6)));
    CHECK_FALSE(queue.push(make_chunk(1, 5)));
    CHECK(queue.push(make_chunk(2, 4)));
    CHECK(queue.queued_bytes() == 10 * ts::kPacketSize);
}

TEST_CASE("PacketQueue: an empty queue times out, a closed one reports closed", "[packet_queue]") {
    PacketQueue queue(4, 1 << 20);
    std::vector<ChunkRef> out;
    CHECK(queue.pop_batch(out, 10ms) == PacketQueue::PopResult::timeout);
    queue.close();
    CHECK(queue.pop_batch(out, 1000ms) == PacketQueue::PopResult::closed);
    CHECK_FALSE(queue.push(make_chunk(1)));
}

TEST_CASE("PacketQueue: close wakes a sleeping consumer at once", "[packet_queue]") {
    PacketQueue queue(4, 1 << 20);
    auto start = std::chrono::steady_clock::now();
    std::thread closer([&] {
        std::this_thread::sleep_for(20ms);
        queue.close();
    });
    std::vector<ChunkRef> out;
    CHECK(queue.pop_batch(out, 10000ms) == PacketQueue::PopResult::closed);
    closer.join();
    CHECK(std::chrono::steady_clock::now() - start < 5000ms);
}

TEST_CASE("PacketQueue: two threads pass 200000 chunks in order without loss", "[packet_queue]") {
    PacketQueue queue(64, 1 << 30);
    constexpr uint32_t kCount = 200000;
    std::atomic<bool> consumer_gave_up{false};
    std::thread producer([&] {
        for (uint32_t i = 0; i < kCount && !consumer_gave_up;) {
            if (queue.push(make_chunk(i))) ++i;
            else std::this_thread::yield();
        }
    });
    std::vector<ChunkRef> out;
    uint32_t expected = 0;
    bool in_order = true;
    while (expected < kCount) {
        out.clear();
        // A lost wake-up would show up as a 10 s stall and a failed test.
        if (queue.pop_batch(out, 10000ms) != PacketQueue::PopResult::data) {
            consumer_gave_up = true;  // fail below instead of leaving the producer spinning
            break;
        }
        for (const auto& chunk : out) in_order = in_order && chunk_id(chunk) == expected++;
    }
    producer.join();
    CHECK(in_order);
    CHECK(expected == kCount);
}

TEST_CASE("PacketQueue: with min_bytes the consumer gets one batch, not a wake-up per chunk", "[packet_queue]") {
    PacketQueue queue(64, 1 << 20);
    std::thread producer([&] {
        for (uint32_t i = 0; i < 10; ++i) {
            queue.push(make_chunk(i));
            std::this_thread::sleep_for(2ms);
        }
    });
    std::vector<ChunkRef> out;
    // Woken only once ten packets are there; the long timeout is never reached.
    REQUIRE(queue.pop_batch(out, 10000ms, 10 * ts::kPacketSize) == PacketQueue::PopResult::data);
    producer.join();
    CHECK(out.size() == 10);
}

TEST_CASE("PacketQueue: with min_bytes a partial batch still comes out at the timeout", "[packet_queue]") {
    PacketQueue queue(64, 1 << 20);
    queue.push(make_chunk(7));
    std::vector<ChunkRef> out;
    CHECK(queue.pop_batch(out, 20ms, 1 << 20) == PacketQueue::PopResult::data);
    REQUIRE(out.size() == 1);
    CHECK(chunk_id(out[0]) == 7);
}

TEST_CASE("PacketQueue: batch wake-ups stay prompt while the producer keeps pushing", "[packet_queue]") {
    // The producer never blocks on the consumer's mutex; a wake-up it had to skip is made by its
    // next push. Lost wake-ups would show as 10 s waits here.
    PacketQueue queue(1024, 1 << 22);
    constexpr uint32_t kChunks = 2000;
    std::thread producer([&] {
        for (uint32_t i = 0; i < kChunks; ++i) {
            while (!queue.push(make_chunk(i))) std::this_thread::yield();
            std::this_thread::sleep_for(50us);
        }
    });
    const auto start = std::chrono::steady_clock::now();
    std::vector<ChunkRef> out;
    std::size_t received = 0;
    while (received < kChunks) {
        out.clear();
        REQUIRE(queue.pop_batch(out, 10000ms, 4 * ts::kPacketSize) == PacketQueue::PopResult::data);
        for (const auto& chunk : out) CHECK(chunk_id(chunk) == received++);
        if (kChunks - received < 4) break;  // the last partial batch would wait for the timeout
    }
    producer.join();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}
