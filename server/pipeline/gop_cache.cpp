// gop_cache.cpp - GOP start, gathering into runs, byte and age bounds, drop on overflow.
#include "server/pipeline/gop_cache.h"

void GopCache::append(const ChunkRef& chunk) {
    if (chunk->random_access) {
        clear();
        collecting_ = true;
        chunks_.push_back(chunk);
        bytes_ = chunk->bytes.size();
        return;
    }
    if (!collecting_) return;
    const std::vector<uint8_t>& bytes = chunk->bytes;
    if (open_run_ && open_run_->bytes.size() + bytes.size() <= kRunBytes) {
        open_run_->bytes.insert(open_run_->bytes.end(), bytes.begin(), bytes.end());
    } else if (bytes.size() < kRunBytes / 2) {
        open_run_ = std::make_shared<PacketChunk>();
        open_run_->bytes.reserve(kRunBytes);
        open_run_->bytes.assign(bytes.begin(), bytes.end());
        open_run_->arrived = chunk->arrived;
        chunks_.push_back(open_run_);
    } else {
        open_run_.reset();
        chunks_.push_back(chunk);
    }
    bytes_ += bytes.size();
    if (bytes_ <= limits_.max_bytes && chunk->arrived - chunks_.front()->arrived <= limits_.max_age) return;
    ++overflows_;
    clear();
}

const std::vector<ChunkRef>& GopCache::take() {
    open_run_.reset();
    return chunks_;
}

void GopCache::clear() {
    chunks_.clear();
    open_run_.reset();
    bytes_ = 0;
    collecting_ = false;
}
