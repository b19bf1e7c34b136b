// viewer_session_test.cpp - write_batch: how a viewer's batch becomes few writes without copying
// large chunks.
#include <catch2/catch.hpp>

#include "server/http/viewer_session.h"

TEST_CASE("write_batch: gathers small chunks, writes large ones as they are, keeps the order", "[viewer_session]") {
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
