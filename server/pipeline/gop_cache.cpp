// gop_cache.cpp - GOP start, append with byte and age bounds, drop on overflow.
#include "server/pipeline/gop_cache.h"

namespace {
constexpr std::size_t kFirstBlockSlices = 256;  // a 2 s GOP at 8 Mbit/s, cut per picture and read
}  // namespace

void GopCache::on_rap() {
    // A new block, not the old one emptied: snapshots of the old GOP may still be read.
    block_.reset();
    size_ = 0;
    bytes_ = 0;
    collecting_ = true;
}

void GopCache::append(const ChunkRef& chunk, std::size_t first_packet, TimePoint now) {
    if (!collecting_ || !chunk) return;
    const std::size_t count = chunk->packet_count();
    if (first_packet >= count) return;
    if (size_ == 0) started_ = now;
    if (!block_ || size_ == block_->capacity) {
        // Outgrown: a copy in a larger block; snapshots keep the old one alive as long as they need it.
        auto larger = std::make_shared<GopSnapshot::Block>(block_ ? 2 * block_->capacity : kFirstBlockSlices);
        for (std::size_t i = 0; i < size_; ++i) larger->slots[i] = block_->slots[i];
        block_ = std::move(larger);
    }
    ChunkSlice& slice = block_->slots[size_++];
    slice = ChunkSlice{chunk, static_cast<uint32_t>(first_packet), static_cast<uint32_t>(count - first_packet)};
    bytes_ += slice.size_bytes();
    if (bytes_ <= limits_.max_bytes && now - started_ <= limits_.max_age) return;
    ++overflows_;
    clear();
}

void GopCache::clear() {
    block_.reset();
    size_ = 0;
    bytes_ = 0;
    collecting_ = false;
}

GopSnapshot GopCache::snapshot() const {
    GopSnapshot s;
    s.block_ = block_;
    s.size_ = size_;
    return s;
}
