// gop_cache_test.cpp - GopCache: holds the chunks since the last keyframe, starts over at each one,
// gathers small chunks into runs, and drops a GOP that outgrows its byte or age bound; with a
// prebuffer it keeps older GOPs, whole, while their keyframe is within it and the bytes allow.
#include <catch2/catch.hpp>

#include "server/pipeline/gop_cache.h"

namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

ChunkRef chunk(std::size_t packets, uint8_t tag, bool keyframe = false, Clock::time_point arrived = t0) {
    auto c = std::make_shared<PacketChunk>();
    c->bytes.assign(packets * ts::kPacketSize, tag);
    c->random_access = keyframe;
    c->arrived = arrived;
    return c;
}

// One letter per packet of the GOP as a new viewer would get it, '|' between chunks.
std::string layout(GopCache& cache) {
    std::string out;
    for (const ChunkRef& c : cache.take()) {
        if (!out.empty()) out += '|';
        for (std::size_t i = 0; i < c->bytes.size(); i += ts::kPacketSize) out += char('a' + c->bytes[i]);
    }
    return out;
}
}  // namespace

TEST_CASE("GopCache: nothing is kept before the first keyframe", "[gop_cache]") {
    GopCache cache;
    cache.append(chunk(10, 0));
    CHECK(cache.take().empty());
    CHECK(cache.bytes() == 0);
}

TEST_CASE("GopCache: a viewer gets the chunks since the last keyframe, small ones gathered into runs", "[gop_cache]") {
    // chunks  a(2)  B(3, key)  c(1)  d(2)  E(1, key)  f(1)
    // GOP     -     B          B|cd        E          E|f
    GopCache cache;
    cache.append(chunk(2, 0));
    auto key = chunk(3, 1, true);
    cache.append(key);
    CHECK(cache.take().front() == key);  // the keyframe chunk itself, with its PSI prefix
    cache.append(chunk(1, 2));
    cache.append(chunk(2, 3));
    CHECK(layout(cache) == "bbb|cdd");
    CHECK(cache.bytes() == 6 * ts::kPacketSize);
    cache.append(chunk(1, 4, true));
    cache.append(chunk(1, 5));
    CHECK(layout(cache) == "e|f");
}

TEST_CASE("GopCache: chunks handed out never change; later chunks start a new run", "[gop_cache]") {
    GopCache cache;
    cache.append(chunk(1, 0, true));
    cache.append(chunk(1, 1));
    const std::vector<ChunkRef> handed_out = cache.take();
    cache.append(chunk(1, 2));
    CHECK(handed_out.back()->bytes.size() == ts::kPacketSize);
    CHECK(layout(cache) == "a|b|c");
}

TEST_CASE("GopCache: large chunks are kept as they are, and runs stop at kRunBytes", "[gop_cache]") {
    GopCache cache;
    const std::size_t half_run = GopCache::kRunBytes / 2 / ts::kPacketSize;
    cache.append(chunk(1, 0, true));
    auto large = chunk(half_run + 1, 1);
    cache.append(large);
    cache.append(chunk(half_run - 1, 2));
    cache.append(chunk(half_run - 1, 3));
    cache.append(chunk(4, 4));  // would pass kRunBytes: a new run
    const auto& gop = cache.take();
    REQUIRE(gop.size() == 4);
    CHECK(gop[1] == large);
    CHECK(gop[2]->bytes.size() == 2 * (half_run - 1) * ts::kPacketSize);
    CHECK(gop[3]->bytes.size() == 4 * ts::kPacketSize);
}

TEST_CASE("GopCache: a GOP past the byte bound is dropped until the next keyframe", "[gop_cache]") {
    GopCache cache(GopCacheLimits{10 * ts::kPacketSize, 5s});
    cache.append(chunk(4, 0, true));
    cache.append(chunk(6, 1));
    CHECK(cache.take().size() == 2);  // exactly at the bound
    cache.append(chunk(1, 2));
    CHECK(cache.take().empty());
    CHECK(cache.overflows() == 1);
    cache.append(chunk(1, 3));  // still waiting for a keyframe
    CHECK(cache.take().empty());
    cache.append(chunk(1, 4, true));
    CHECK(layout(cache) == "e");
}

TEST_CASE("GopCache: a GOP longer than the age bound is dropped", "[gop_cache]") {
    GopCache cache(GopCacheLimits{1 << 20, 2s});
    cache.append(chunk(1, 0, true, t0));
    cache.append(chunk(1, 1, false, t0 + 2s));
    CHECK(cache.take().size() == 2);
    cache.append(chunk(1, 2, false, t0 + 2001ms));
    CHECK(cache.take().empty());
    CHECK(cache.overflows() == 1);
}

TEST_CASE("GopCache: clear() waits for the next keyframe", "[gop_cache]") {
    GopCache cache;
    cache.append(chunk(1, 0, true));
    cache.clear();
    cache.append(chunk(1, 1));
    CHECK(cache.take().empty());
    CHECK(cache.overflows() == 0);
}

TEST_CASE("GopCache: with a prebuffer, a viewer starts at the oldest keyframe within it", "[gop_cache]") {
    // keyframes a (t0) and c (t0+2s), prebuffer 3 s: a is kept until the live edge is 3 s past it
    GopCacheLimits limits;
    limits.prebuffer = 3s;
    GopCache cache(limits);
    auto first = chunk(1, 0, true, t0);
    cache.append(first);
    cache.append(chunk(1, 1, false, t0 + 1s));
    auto second = chunk(1, 2, true, t0 + 2s);
    cache.append(second);
    cache.append(chunk(1, 3, false, t0 + 2999ms));
    CHECK(cache.gops() == 2);
    CHECK(cache.take().front() == first);  // the keyframe chunk itself, with the PSI that stood there
    CHECK(layout(cache) == "a|b|c|d");
    CHECK(cache.bytes() == 4 * ts::kPacketSize);
    cache.append(chunk(1, 4, false, t0 + 3s));  // a is 3 s old: its GOP goes, whole
    CHECK(cache.gops() == 1);
    CHECK(cache.take().front() == second);
    CHECK(layout(cache) == "c|d|e");
    CHECK(cache.bytes() == 3 * ts::kPacketSize);
    CHECK(cache.overflows() == 0);
}

TEST_CASE("GopCache: with a prebuffer, several GOPs are kept, and the newest always", "[gop_cache]") {
    GopCacheLimits limits;
    limits.prebuffer = 5s;
    GopCache cache(limits);
    for (int i = 0; i < 6; ++i) {  // a keyframe a second, each with one more picture
        cache.append(chunk(2, uint8_t(2 * i), true, t0 + i * 1s));
        cache.append(chunk(1, uint8_t(2 * i + 1), false, t0 + i * 1s + 500ms));
    }
    CHECK(cache.gops() == 5);  // the keyframes of t0+1s .. t0+5s; t0's is 5 s old at t0+5.5s
    CHECK(layout(cache) == "cc|d|ee|f|gg|h|ii|j|kk|l");
    GopCache short_cache(limits);  // a GOP longer than the prebuffer still starts a viewer
    short_cache.append(chunk(1, 0, true, t0));
    short_cache.append(chunk(1, 1, false, t0 + 4900ms));
    CHECK(short_cache.gops() == 1);
    CHECK(layout(short_cache) == "a|b");
}

TEST_CASE("GopCache: without a prebuffer only the newest GOP is kept, even two keyframes in one read", "[gop_cache]") {
    GopCache cache;
    cache.append(chunk(1, 0, true, t0));
    cache.append(chunk(1, 1, true, t0));
    CHECK(cache.gops() == 1);
    CHECK(layout(cache) == "b");
    CHECK(cache.bytes() == ts::kPacketSize);
}

TEST_CASE("GopCache: over the byte bound the oldest GOPs go whole, never part of one", "[gop_cache]") {
    GopCacheLimits limits;
    limits.max_bytes = 10 * ts::kPacketSize;
    limits.prebuffer = 1h;
    GopCache cache(limits);
    cache.append(chunk(3, 0, true));
    cache.append(chunk(2, 1));
    cache.append(chunk(3, 2, true));
    cache.append(chunk(1, 3));
    CHECK(layout(cache) == "aaa|bb|ccc|d");  // 9 packets: both GOPs
    cache.append(chunk(2, 4));               // 11: the first GOP (5 packets) goes
    CHECK(layout(cache) == "ccc|d|ee");
    CHECK(cache.bytes() == 6 * ts::kPacketSize);
    cache.append(chunk(2, 5, true));
    cache.append(chunk(3, 6));  // 13: c's GOP goes, f's stays though alone it is near the bound
    CHECK(layout(cache) == "ff|ggg");
    CHECK(cache.gops() == 1);
    CHECK(cache.overflows() == 0);
}

TEST_CASE("GopCache: a newest GOP past a bound drops the older GOPs too", "[gop_cache]") {
    // The older GOPs alone would end before the live edge: a viewer started there would miss the rest.
    GopCacheLimits limits;
    limits.max_age = 2s;
    limits.prebuffer = 1h;
    GopCache cache(limits);
    cache.append(chunk(1, 0, true, t0));
    cache.append(chunk(1, 1, true, t0 + 1s));
    CHECK(cache.gops() == 2);
    cache.append(chunk(1, 2, false, t0 + 3001ms));  // the newest GOP is 2.001 s long
    CHECK(cache.take().empty());
    CHECK(cache.gops() == 0);
    CHECK(cache.overflows() == 1);
    cache.append(chunk(1, 3, false, t0 + 3100ms));  // waiting for a keyframe
    CHECK(cache.take().empty());
    cache.append(chunk(1, 4, true, t0 + 4s));
    CHECK(layout(cache) == "e");
}
