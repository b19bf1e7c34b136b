// gop_cache_test.cpp - GopCache: holds the slices since the last random access point, starts over at
// each one, and drops a GOP that outgrows its byte or age bound.
#include <catch2/catch.hpp>

#include "server/pipeline/gop_cache.h"

namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

ChunkRef chunk(std::size_t packets, uint8_t tag = 0) {
    auto c = std::make_shared<PacketChunk>();
    c->bytes.assign(packets * ts::kPacketSize, tag);
    return c;
}

struct Slice {
    const PacketChunk* chunk;
    uint32_t first_packet;
    uint32_t packet_count;
    bool operator==(const Slice& o) const {
        return chunk == o.chunk && first_packet == o.first_packet && packet_count == o.packet_count;
    }
};

std::vector<Slice> slices(const GopCache& cache) {
    std::vector<Slice> out;
    for (const ChunkSlice& s : cache.snapshot()) out.push_back({s.chunk.get(), s.first_packet, s.packet_count});
    return out;
}
}  // namespace

TEST_CASE("GopCache: nothing is kept before the first random access point", "[gop_cache]") {
    GopCache cache;
    cache.append(chunk(10), 0, t0);
    CHECK_FALSE(cache.has_gop());
    CHECK(cache.snapshot().empty());
    CHECK(cache.bytes() == 0);
    cache.on_rap();
    CHECK_FALSE(cache.has_gop());  // a point, but no packets yet
}

TEST_CASE("GopCache: a viewer gets the slices since the last random access point, in order", "[gop_cache]") {
    // chunk  a(4)      b(6): RAP at packet 2   c(3)   d(5): RAP at 0   e(1)
    // GOP    -         b[2..6)                 c      d                 d e
    GopCache cache;
    auto a = chunk(4), b = chunk(6), c = chunk(3), d = chunk(5), e = chunk(1);
    cache.append(a, 0, t0);
    cache.on_rap();
    cache.append(b, 2, t0 + 1ms);
    cache.append(c, 0, t0 + 2ms);
    CHECK(slices(cache) == std::vector<Slice>{{b.get(), 2, 4}, {c.get(), 0, 3}});
    CHECK(cache.bytes() == 7 * ts::kPacketSize);
    CHECK(cache.snapshot().front().data() == b->bytes.data() + 2 * ts::kPacketSize);
    CHECK(cache.snapshot().front().size_bytes() == 4 * ts::kPacketSize);

    cache.on_rap();
    cache.append(d, 0, t0 + 40ms);
    cache.append(e, 0, t0 + 50ms);
    CHECK(slices(cache) == std::vector<Slice>{{d.get(), 0, 5}, {e.get(), 0, 1}});
    CHECK(cache.bytes() == 6 * ts::kPacketSize);
}

TEST_CASE("GopCache: the snapshot keeps its chunks alive after the cache moves on", "[gop_cache]") {
    GopCache cache;
    std::weak_ptr<const PacketChunk> watch;
    GopSnapshot snapshot;
    {
        auto a = chunk(2, 0x47);
        watch = a;
        cache.on_rap();
        cache.append(a, 0, t0);
        snapshot = cache.snapshot();
    }
    cache.on_rap();
    REQUIRE_FALSE(watch.expired());
    REQUIRE(snapshot.size() == 1);
    CHECK(snapshot[0].data()[0] == 0x47);
    snapshot = GopSnapshot{};
    CHECK(watch.expired());
}

TEST_CASE("GopCache: a snapshot stays as taken while the cache grows past its block and starts over", "[gop_cache]") {
    GopCache cache;
    cache.on_rap();
    std::vector<ChunkRef> chunks;
    for (int i = 0; i < 1000; ++i) chunks.push_back(chunk(1, static_cast<uint8_t>(i)));
    for (int i = 0; i < 10; ++i) cache.append(chunks[i], 0, t0);
    const GopSnapshot early = cache.snapshot();
    for (int i = 10; i < 1000; ++i) cache.append(chunks[i], 0, t0);  // several larger blocks
    const GopSnapshot late = cache.snapshot();
    cache.on_rap();
    cache.append(chunk(1, 0xAA), 0, t0);

    REQUIRE(early.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(early[i].chunk == chunks[i]);
    REQUIRE(late.size() == 1000);
    bool in_order = true;
    for (int i = 0; i < 1000; ++i) in_order = in_order && late[i].chunk == chunks[i];
    CHECK(in_order);
    CHECK(cache.snapshot().size() == 1);
}

TEST_CASE("GopCache: a GOP past the byte bound is dropped until the next random access point", "[gop_cache]") {
    GopCacheLimits limits;
    limits.max_bytes = 10 * ts::kPacketSize;
    GopCache cache(limits);
    cache.on_rap();
    cache.append(chunk(6), 0, t0);
    cache.append(chunk(4), 0, t0);  // exactly at the bound: kept
    CHECK(cache.has_gop());
    cache.append(chunk(1), 0, t0);
    CHECK_FALSE(cache.has_gop());
    CHECK(cache.bytes() == 0);
    CHECK(cache.overflows() == 1);
    cache.append(chunk(1), 0, t0);  // the rest of the oversized GOP is not collected
    CHECK_FALSE(cache.has_gop());

    cache.on_rap();
    auto next = chunk(3);
    cache.append(next, 0, t0);
    CHECK(slices(cache) == std::vector<Slice>{{next.get(), 0, 3}});
    CHECK(cache.overflows() == 1);
}

TEST_CASE("GopCache: a GOP longer than the age bound is dropped", "[gop_cache]") {
    GopCacheLimits limits;
    limits.max_age = 5s;
    GopCache cache(limits);
    cache.on_rap();
    cache.append(chunk(1), 0, t0);
    cache.append(chunk(1), 0, t0 + 5s);  // exactly at the bound: kept
    CHECK(cache.has_gop());
    cache.append(chunk(1), 0, t0 + 5s + 1ms);
    CHECK_FALSE(cache.has_gop());
    CHECK(cache.overflows() == 1);

    SECTION("age counts from the random access point's arrival, not from on_rap()") {
        cache.on_rap();
        cache.append(chunk(1), 0, t0 + 20s);
        cache.append(chunk(1), 0, t0 + 24s);
        CHECK(cache.has_gop());
    }
}

TEST_CASE("GopCache: clear() waits for the next random access point", "[gop_cache]") {
    GopCache cache;
    cache.on_rap();
    cache.append(chunk(2), 0, t0);
    cache.clear();
    cache.append(chunk(2), 0, t0);
    CHECK_FALSE(cache.has_gop());
    CHECK(cache.overflows() == 0);
}

TEST_CASE("GopCache: empty slices and null chunks are ignored", "[gop_cache]") {
    GopCache cache;
    cache.on_rap();
    cache.append(chunk(3), 3, t0);
    cache.append(nullptr, 0, t0);
    CHECK_FALSE(cache.has_gop());
    auto a = chunk(3);
    cache.append(a, 1, t0);
    CHECK(slices(cache) == std::vector<Slice>{{a.get(), 1, 2}});
}
