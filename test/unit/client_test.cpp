// client_test.cpp - Client: drops whole chunks on overflow, resumes only at a keyframe chunk with
// PAT and PMT first, and disconnects a viewer that keeps losing packets.
#include <catch2/catch.hpp>

#include "server/pipeline/client.h"

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
std::vector<uint8_t> drain(Client& client) {
    std::vector<ChunkRef> out;
    std::vector<uint8_t> tags;
    if (client.next_chunks(out, milliseconds(0)) != Client::BatchResult::data) return tags;
    for (const ChunkRef& c : out) {
        auto tag = c->bytes.at(0);
        if (tags.empty() || tags.back() != tag) tags.push_back(tag);
    }
    return tags;
}
}  // namespace

TEST_CASE("Client: after an overflow it skips to the next keyframe, PAT and PMT first", "[client]") {
    // queue of 4 packets; chunks: 1(2p) 2(2p) 3(2p, overflows) 4(1p) 5(key, 1p, psi 9) 6(1p)
    // viewer gets: 1 2 | drained | 9 5 6   <- 3 and 4 dropped: 4 would fit but is mid-GOP
    ClientLimits limits;
    limits.queue_bytes = 4 * ts::kPacketSize;
    Client client("/tv.ts", "127.0.0.1:1", limits);
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

TEST_CASE("Client: a keyframe that does not fit with its PAT and PMT keeps the skip going", "[client]") {
    ClientLimits limits;
    limits.queue_bytes = 2 * ts::kPacketSize;
    Client client("/tv.ts", "127.0.0.1:1", limits);
    auto now = steady_clock::now();
    client.offer(chunk(1, 2), now);
    client.offer(chunk(2, 1), now);                            // overflow: skip starts
    client.offer(chunk(3, 1, true, chunk(9, 1)), now);         // 2 packets, 0 free: dropped
    CHECK(drain(client) == std::vector<uint8_t>{1});
    client.offer(chunk(4, 2, true, chunk(9, 1)), now);         // 3 packets, 2 free: dropped
    client.offer(chunk(5, 1, true, chunk(9, 1)), now);         // fits
    CHECK(drain(client) == std::vector<uint8_t>{9, 5});
}

TEST_CASE("Client: a viewer that keeps losing packets longer than max_lag is disconnected", "[client]") {
    ClientLimits limits;
    limits.queue_bytes = ts::kPacketSize;
    limits.max_lag = milliseconds(5000);
    Client client("/tv.ts", "127.0.0.1:1", limits);
    auto t = steady_clock::now();
    client.offer(chunk(1, 1), t);
    client.offer(chunk(2, 1), t);
    client.offer(chunk(3, 1), t + milliseconds(4000));
    CHECK_FALSE(client.is_disconnected());
    client.offer(chunk(4, 1), t + milliseconds(5100));
    CHECK(client.is_disconnected());
    CHECK(client.end_reason() == "too slow: losing packets for 5100 ms");
}

TEST_CASE("Client: a picture is started only with room to finish it", "[client]") {
    // queue of 1 MiB; a 600 KiB picture start fits only while less than ~400 KiB is queued
    ClientLimits limits;
    limits.queue_bytes = 1 << 20;
    Client client("/tv.ts", "127.0.0.1:1", limits);
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

TEST_CASE("Client: the start goes out as head and keyframe picture first, then the rest of the GOP as backlog", "[client]") {
    Client client("/tv.ts", "127.0.0.1:1", ClientLimits{});
    auto now = steady_clock::now();
    auto picture = [](uint8_t tag, std::size_t packets, bool keyframe = false) {
        auto c = chunk(tag, packets, keyframe);
        std::const_pointer_cast<PacketChunk>(c)->picture_start = true;
        return c;
    };
    // A GOP of three pictures, the keyframe in two chunks; the cache hands it over as a snapshot.
    GopCache cache;
    cache.on_rap();
    for (const ChunkRef& c : {picture(1, 2, true), chunk(2, 2), picture(3, 2), picture(4, 2)}) cache.append(c, 0, now);
    client.start_with({chunk(8, 1), chunk(9, 1)}, cache.snapshot());
    client.offer(chunk(5, 1), now);  // live, after the GOP

    std::vector<ChunkRef> out;
    auto tags = [&out] {
        std::vector<uint8_t> t;
        for (const ChunkRef& c : out) t.push_back(c->bytes.at(0));
        return t;
    };
    // First the preamble and PSI, then the keyframe picture alone, without waiting for a batch.
    REQUIRE(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::data);
    CHECK(tags() == std::vector<uint8_t>{8, 9, 1, 2});
    // Then the rest of the GOP with the live chunks queued behind it: backlog, to go through the gate.
    REQUIRE(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::backlog);
    CHECK(tags() == std::vector<uint8_t>{3, 4, 5});
    // From here on, live batches.
    client.offer(chunk(6, 1), now);
    REQUIRE(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::data);
    CHECK(tags() == std::vector<uint8_t>{6});
    // A queue more than two batches deep is backlog too: the viewer has fallen behind.
    for (int i = 0; i < 3; ++i) client.offer(chunk(7, Client::kBatchBytes / ts::kPacketSize), now);
    CHECK(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::backlog);
    CHECK(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::idle);
}

TEST_CASE("Client: a chunk is due when playback from the first picture reaches it", "[client]") {
    Client client("/tv.ts", "127.0.0.1:1", ClientLimits{});
    const auto t = steady_clock::now() - seconds(10);
    auto arrived = [t](ChunkRef c, milliseconds after) {
        std::const_pointer_cast<PacketChunk>(c)->arrived = t + after;
        return c;
    };
    GopCache cache;
    cache.on_rap();
    cache.append(arrived(chunk(1, 2, true), milliseconds(0)), 0, t);
    cache.append(arrived(chunk(2, 2), milliseconds(40)), 0, t);
    client.start_with({}, cache.snapshot());
    ChunkRef later = arrived(chunk(3, 2), milliseconds(1500));
    std::vector<ChunkRef> out;
    const auto before = steady_clock::now();
    REQUIRE(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::data);  // the first picture goes out
    const auto after = steady_clock::now();
    // 1.5 s after the keyframe upstream: 1.5 s after the first picture went out.
    CHECK(client.due(*later) >= before + milliseconds(1500));
    CHECK(client.due(*later) <= after + milliseconds(1500));

    Client live("/tv.ts", "127.0.0.1:2", ClientLimits{});
    live.start_with({}, GopSnapshot{});
    live.offer(chunk(4, 1), steady_clock::now());
    REQUIRE(live.next_chunks(out, milliseconds(0)) == Client::BatchResult::data);
    CHECK(live.due(*later) == steady_clock::time_point::min());  // started live: anything queued is late
}

TEST_CASE("Client: without a GOP the first live chunk goes out at once", "[client]") {
    Client client("/tv.ts", "127.0.0.1:1", ClientLimits{});
    client.start_with({}, GopSnapshot{});
    std::vector<ChunkRef> out;
    CHECK(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::idle);
    client.offer(chunk(1, 1), steady_clock::now());
    // One packet, far below a batch: the first one is not held back for the batch delay.
    CHECK(client.next_chunks(out, milliseconds(500)) == Client::BatchResult::data);
    CHECK(out.size() == 1);
    client.disconnect("test");
    CHECK(client.next_chunks(out, milliseconds(0)) == Client::BatchResult::closed);
}

TEST_CASE("write_batch: gathers small chunks, writes large ones as they are, keeps the order", "[client]") {
    BufferPool pool(64 * 1024, 4);
    auto sized = [](std::size_t bytes, uint8_t fill) {
        auto c = std::make_shared<PacketChunk>();
        c->bytes.assign(bytes, fill);
        return ChunkRef(c);
    };
    // A chunk of kGatherBelow goes out alone; so does one too large for the pool's buffers.
    std::vector<ChunkRef> batch = {sized(1000, 1), sized(2000, 2), sized(kGatherBelow, 3), sized(500, 4), sized(70000, 5)};
    for (int i = 0; i < 30; ++i) batch.push_back(sized(3000, uint8_t(10 + i)));

    std::vector<std::size_t> writes;
    std::vector<uint8_t> received;
    std::size_t sent = 0;
    REQUIRE(write_batch(batch, pool, [&](const uint8_t* data, std::size_t len) {
        writes.push_back(len);
        received.insert(received.end(), data, data + len);
        return true;
    }, sent));

    // 1000+2000 gathered; kGatherBelow alone; 500 gathered; 70000 alone; 30 x 3000 in 64 KiB buffers.
    CHECK(writes == std::vector<std::size_t>{3000, kGatherBelow, 500, 70000, 21 * 3000, 9 * 3000});
    std::vector<uint8_t> expected;
    for (const auto& c : batch) expected.insert(expected.end(), c->bytes.begin(), c->bytes.end());
    CHECK(received == expected);
    CHECK(sent == expected.size());
    CHECK(pool.idle_count() == 1);  // one buffer served the whole batch and went back

    SECTION("a failed write stops the batch and says so") {
        std::size_t calls = 0, partial = 0;
        CHECK_FALSE(write_batch(batch, pool, [&](const uint8_t*, std::size_t) { return ++calls < 2; }, partial));
        CHECK(calls == 2);
        CHECK(partial == 3000);
    }
}

TEST_CASE("write_backlog: slices of at most kBacklogSliceBytes, each after the socket has room", "[client]") {
    BufferPool pool(256 * 1024, 4);
    BacklogGate gate(1);
    std::vector<ChunkRef> batch;
    for (int i = 0; i < 40; ++i) {
        auto c = std::make_shared<PacketChunk>();
        c->bytes.assign(10 * 1024, uint8_t(i));
        batch.push_back(c);
    }
    std::vector<std::string> calls;  // "wait", or the size of a write
    std::vector<uint8_t> received;
    std::size_t sent = 0;
    const DueFunction at_once = [](const PacketChunk&) { return steady_clock::time_point::min(); };
    // Writes `chunks` into calls, received and sent, starting afresh.
    auto write_all = [&](const std::vector<ChunkRef>& chunks) {
        calls.clear();
        received.clear();
        sent = 0;
        return write_backlog(chunks, pool, gate, at_once, [&] { calls.push_back("wait"); return true; },
                             [&](const uint8_t* data, std::size_t len) {
                                 calls.push_back(std::to_string(len));
                                 received.insert(received.end(), data, data + len);
                                 return true;
                             }, sent);
    };
    REQUIRE(write_all(batch));
    // 400 KiB in 10 KiB chunks: slices of 12, 12, 12 and 4 chunks, each one write after one wait.
    CHECK(calls == std::vector<std::string>{"wait", "122880", "wait", "122880", "wait", "122880", "wait", "40960"});
    CHECK(sent == 400 * 1024);
    std::vector<uint8_t> expected;
    for (const auto& c : batch) expected.insert(expected.end(), c->bytes.begin(), c->bytes.end());
    CHECK(received == expected);

    SECTION("a chunk bigger than a slice goes in slice-sized writes, each after the socket has room") {
        auto big = std::make_shared<PacketChunk>();
        big->bytes.resize(300 * 1024);
        for (std::size_t i = 0; i < big->bytes.size(); ++i) big->bytes[i] = uint8_t(i * 7);
        const std::vector<ChunkRef> with_big{batch[0], big, batch[1]};
        REQUIRE(write_all(with_big));
        CHECK(calls == std::vector<std::string>{"wait", "10240", "wait", "131072", "wait", "131072", "wait", "45056",
                                                "wait", "10240"});
        CHECK(sent == 320 * 1024);
        std::vector<uint8_t> expected_big;
        for (const auto& c : with_big) expected_big.insert(expected_big.end(), c->bytes.begin(), c->bytes.end());
        CHECK(received == expected_big);
    }

    SECTION("a socket that never gets room ends it before anything is written") {
        std::size_t written = 0, partial = 0;
        CHECK_FALSE(write_backlog(batch, pool, gate, at_once, [] { return false; },
                                  [&](const uint8_t*, std::size_t len) { written += len; return true; }, partial));
        CHECK(written == 0);
        CHECK(partial == 0);
    }
}
