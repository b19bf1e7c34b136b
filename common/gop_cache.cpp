// gop_cache.cpp - GOP start, append with byte and age bounds, drop on overflow.
#include "gop_cache.h"

void GopCache::on_rap() {
    slices_.clear();
    bytes_ = 0;
    collecting_ = true;
}

void GopCache::append(const ChunkRef& chunk, std::size_t first_packet, TimePoint now) {
    if (!collecting_ || !chunk) return;
    const std::size_t count = chunk->packet_count();
    if (first_packet >= count) return;
    if (slices_.empty()) started_ = now;
    slices_.push_back(
        ChunkSlice{chunk, static_cast<uint32_t>(first_packet), static_cast<uint32_t>(count - first_packet)});
    bytes_ += slices_.back().size_bytes();
    if (bytes_ <= limits_.max_bytes && now - started_ <= limits_.max_age) return;
    ++overflows_;
    clear();
}

void GopCache::clear() {
    slices_.clear();
    bytes_ = 0;
    collecting_ = false;
}
