// recent_chunks_test.cpp - RecentChunks: replays a numbered range in order, and refuses one that
// reaches past what it still holds.
#include <catch2/catch.hpp>

#include <vector>

#include "server/pipeline/recent_chunks.h"

namespace {
ChunkRef chunk(uint8_t tag) {
    auto c = std::make_shared<PacketChunk>();
    c->bytes.assign(ts::kPacketSize, tag);
    return c;
}

std::vector<uint8_t> replayed(const RecentChunks& recent, uint64_t from, uint64_t before, bool& ok) {
    std::vector<uint8_t> tags;
    ok = recent.replay(from, before, [&](const ChunkRef& c) { tags.push_back(c->bytes[0]); });
    return tags;
}
}  // namespace

TEST_CASE("RecentChunks: replays [from, before) of the last chunks, and nothing it no longer holds", "[recent_chunks]") {
    RecentChunks recent(4);
    bool ok = false;
    CHECK(replayed(recent, 1, 1, ok).empty());
    CHECK(ok);  // an empty range needs nothing
    CHECK(replayed(recent, 1, 2, ok).empty());
    CHECK_FALSE(ok);  // nothing held yet

    for (uint8_t seq = 1; seq <= 6; ++seq) recent.add(seq, chunk(seq));  // holds 3, 4, 5, 6
    CHECK(replayed(recent, 3, 7, ok) == std::vector<uint8_t>{3, 4, 5, 6});
    CHECK(ok);
    CHECK(replayed(recent, 5, 6, ok) == std::vector<uint8_t>{5});
    CHECK(ok);
    CHECK(replayed(recent, 7, 7, ok).empty());
    CHECK(ok);
    // Chunk 2 is gone: a viewer that lacks it cannot be caught up without a gap.
    CHECK(replayed(recent, 2, 7, ok).empty());
    CHECK_FALSE(ok);
    // Nor can one ask for a chunk not yet added.
    CHECK(replayed(recent, 5, 8, ok).empty());
    CHECK_FALSE(ok);
}
