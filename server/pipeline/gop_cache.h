// gop_cache.h - GopCache: the packets since the last video random access point, replayed to a new
// viewer (after PAT and PMT) so that its first picture comes at once. Single-threaded: the owner
// (the stream's reader) appends and takes snapshots; a GopSnapshot, once taken and handed over
// with a release/acquire pair, may be read on any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "server/pipeline/packet_chunk.h"

// Packets [first_packet, first_packet + packet_count) of a shared chunk.
struct ChunkSlice {
    ChunkRef chunk;
    uint32_t first_packet = 0;
    uint32_t packet_count = 0;

    const uint8_t* data() const { return chunk->bytes.data() + std::size_t(first_packet) * ts::kPacketSize; }
    std::size_t size_bytes() const { return std::size_t(packet_count) * ts::kPacketSize; }
};

// The GOP as it stood when taken: the first size() slices of a block the cache only ever appends
// to (and replaces, never changes, when it starts over or outgrows it). Taking one costs a
// reference, not a copy, so that a thousand viewers joining at once share one; reading it needs no
// lock, since the slots it covers are never written again.
class GopSnapshot {
public:
    const ChunkSlice* begin() const { return block_ ? block_->slots.get() : nullptr; }
    const ChunkSlice* end() const { return begin() + size_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const ChunkSlice& front() const { return *begin(); }
    const ChunkSlice& operator[](std::size_t i) const { return begin()[i]; }

private:
    friend class GopCache;
    struct Block {
        explicit Block(std::size_t n) : slots(std::make_unique<ChunkSlice[]>(n)), capacity(n) {}
        std::unique_ptr<ChunkSlice[]> slots;
        std::size_t capacity;
    };
    std::shared_ptr<const Block> block_;
    std::size_t size_ = 0;
};

struct GopCacheLimits {
    std::size_t max_bytes = 8 << 20;
    std::chrono::steady_clock::duration max_age = std::chrono::seconds(5);
};

class GopCache {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit GopCache(GopCacheLimits limits = {}) : limits_(limits) {}

    // A random access point: the GOP held so far is dropped and the next append() starts a new one.
    void on_rap();
    // The packets of `chunk` from `first_packet` on belong to the current GOP, if there is one; before
    // the first on_rap() and after an overflow they are ignored. `now` is when they arrived: a GOP
    // longer than max_age or larger than max_bytes is dropped whole (counted in overflows()), since a
    // viewer fed part of a GOP gets broken pictures; until the next on_rap() has_gop() is then false
    // and a new viewer waits for that random access point instead.
    void append(const ChunkRef& chunk, std::size_t first_packet, TimePoint now);

    // Drops the GOP and waits for the next on_rap(), e.g. when the upstream changes.
    void clear();

    // What a new viewer gets, in order, starting with the random access point. Empty when !has_gop().
    GopSnapshot snapshot() const;
    bool has_gop() const { return size_ != 0; }
    std::size_t bytes() const { return bytes_; }
    uint64_t overflows() const { return overflows_; }

private:
    const GopCacheLimits limits_;
    std::shared_ptr<GopSnapshot::Block> block_;  // slots [0, size_) hold the GOP; null until the first append
    std::size_t size_ = 0;
    std::size_t bytes_ = 0;
    TimePoint started_{};  // arrival of the random access point
    bool collecting_ = false;
    uint64_t overflows_ = 0;
};
