// gop_cache.h - GopCache: the chunks since the last video keyframe, given to a new viewer (after
// PAT and PMT) so that its first picture comes at once. Single-threaded: the stream's reader thread
// appends and reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/pipeline/packet_chunk.h"

struct GopCacheLimits {
    std::size_t max_bytes = 8 << 20;
    std::chrono::steady_clock::duration max_age = std::chrono::seconds(5);
};

class GopCache {
public:
    explicit GopCache(GopCacheLimits limits = {}) : limits_(limits) {}

    // A keyframe chunk (random_access) starts a new GOP; others extend the current one. Before the
    // first keyframe and after an overflow they are ignored. A GOP longer than max_age or larger than
    // max_bytes is dropped whole (counted in overflows()), since a viewer fed part of a GOP gets
    // broken pictures; a new viewer then starts at the live edge, as on a stream without keyframes.
    void append(const ChunkRef& chunk);
    // Drops the GOP and waits for the next keyframe, e.g. when the upstream changes.
    void clear();

    // What a new viewer gets, in order, starting with the keyframe chunk. Empty when there is none.
    // After the keyframe, small chunks are gathered into runs of up to kRunBytes: a GOP read in
    // 1316-byte datagrams would be more chunks than a viewer's queue has slots, and as many writes.
    // The chunks returned never change again (the run being gathered is closed).
    const std::vector<ChunkRef>& take();
    static constexpr std::size_t kRunBytes = 64 * 1024;
    std::size_t bytes() const { return bytes_; }
    uint64_t overflows() const { return overflows_; }

private:
    const GopCacheLimits limits_;
    std::vector<ChunkRef> chunks_;
    std::shared_ptr<PacketChunk> open_run_;  // the last of chunks_, still gathering; null when closed
    std::size_t bytes_ = 0;
    bool collecting_ = false;
    uint64_t overflows_ = 0;
};
