// gop_cache.h - GopCache: the chunks since the last video keyframe, or with a prebuffer since the
// oldest keyframe that arrived within it, given to a new viewer (after PAT and PMT) so that its
// first picture comes at once and a player that probes gets its probe's worth at once.
// Single-threaded: the stream's reader thread appends and reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "server/pipeline/packet_chunk.h"

struct GopCacheLimits {
    std::size_t max_bytes = 8 << 20;  // every cached GOP together
    // One GOP's length: a longer one is not cached at all (a viewer would start that far behind).
    std::chrono::steady_clock::duration max_age = std::chrono::seconds(5);
    // Older GOPs are kept while their keyframe arrived less than this before the newest chunk; 0 =
    // only the newest GOP, as a stream without prebuffer.
    std::chrono::steady_clock::duration prebuffer{0};
};

class GopCache {
public:
    explicit GopCache(GopCacheLimits limits = {}) : limits_(limits) {}

    // A keyframe chunk (random_access) starts a new GOP; others extend the newest one. Before the
    // first keyframe and after an overflow they are ignored. A GOP longer than max_age, or larger
    // than max_bytes on its own, is dropped whole with every older one (counted in overflows()),
    // since a viewer fed part of a GOP gets broken pictures and older GOPs would leave a gap before
    // the live edge; a new viewer then starts at the live edge, as on a stream without keyframes.
    // Older GOPs go, whole and oldest first, once their keyframe is `prebuffer` old or the cache
    // is over max_bytes.
    void append(const ChunkRef& chunk);
    // Drops every GOP and waits for the next keyframe, e.g. when the upstream changes.
    void clear();

    // What a new viewer gets, in order, starting with the oldest cached keyframe chunk (which
    // carries the PAT and PMT that stood there) and ending with the last chunk appended. Empty when
    // there is none. After each keyframe, small chunks are gathered into runs of up to kRunBytes: a
    // GOP read in 1316-byte datagrams would be more chunks than a viewer's queue has slots, and as
    // many writes. The chunks returned never change again (the run being gathered is closed).
    const std::vector<ChunkRef>& take();
    static constexpr std::size_t kRunBytes = 64 * 1024;
    std::size_t bytes() const { return bytes_; }
    std::size_t gops() const { return gops_.size(); }
    uint64_t overflows() const { return overflows_; }

private:
    // One cached GOP: its share of chunks_, which it starts with its keyframe chunk.
    struct Gop {
        std::size_t chunks = 0;
        std::size_t bytes = 0;
    };
    void gather(const ChunkRef& chunk);
    // Drops the oldest GOPs that are past the prebuffer or over the byte bound; never the newest.
    void trim(std::chrono::steady_clock::time_point now);

    const GopCacheLimits limits_;
    std::vector<ChunkRef> chunks_;  // every cached GOP's, oldest first
    std::deque<Gop> gops_;          // oldest first; empty while not collecting
    std::shared_ptr<PacketChunk> open_run_;  // the last of chunks_, still gathering; null when closed
    std::size_t bytes_ = 0;
    uint64_t overflows_ = 0;
};
