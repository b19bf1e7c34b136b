// gop_cache.cpp - GOP starts, gathering into runs, the prebuffer's older GOPs, byte and age bounds,
// drop on overflow.
#include "server/pipeline/gop_cache.h"

void GopCache::append(const ChunkRef& chunk) {
    if (chunk->random_access) {
        open_run_.reset();
        gops_.push_back(Gop{1, chunk->bytes.size()});
        chunks_.push_back(chunk);
        bytes_ += chunk->bytes.size();
        trim(chunk->arrived);
        return;
    }
    if (gops_.empty()) return;
    gather(chunk);
    const Gop& newest = gops_.back();
    const ChunkRef& keyframe = chunks_[chunks_.size() - newest.chunks];
    if (newest.bytes <= limits_.max_bytes && chunk->arrived - keyframe->arrived <= limits_.max_age) {
        trim(chunk->arrived);
        return;
    }
    ++overflows_;
    clear();
}

void GopCache::gather(const ChunkRef& chunk) {
    const std::vector<uint8_t>& bytes = chunk->bytes;
    Gop& newest = gops_.back();
    if (open_run_ && open_run_->bytes.size() + bytes.size() <= kRunBytes) {
        open_run_->bytes.insert(open_run_->bytes.end(), bytes.begin(), bytes.end());
    } else if (bytes.size() < kRunBytes / 2) {
        open_run_ = std::make_shared<PacketChunk>();
        open_run_->bytes.reserve(kRunBytes);
        open_run_->bytes.assign(bytes.begin(), bytes.end());
        open_run_->arrived = chunk->arrived;
        chunks_.push_back(open_run_);
        ++newest.chunks;
    } else {
        open_run_.reset();
        chunks_.push_back(chunk);
        ++newest.chunks;
    }
    newest.bytes += bytes.size();
    bytes_ += bytes.size();
}

void GopCache::trim(std::chrono::steady_clock::time_point now) {
    // The oldest GOP starts chunks_, with its keyframe. "Not younger than the prebuffer" rather than
    // "older": with prebuffer 0 a keyframe that came in the same read as the next one goes too, so
    // that only the newest GOP is kept, as without a prebuffer.
    while (gops_.size() > 1 && (now - chunks_.front()->arrived >= limits_.prebuffer || bytes_ > limits_.max_bytes)) {
        const Gop& oldest = gops_.front();
        chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(oldest.chunks));
        bytes_ -= oldest.bytes;
        gops_.pop_front();
    }
}

const std::vector<ChunkRef>& GopCache::take() {
    open_run_.reset();
    return chunks_;
}

void GopCache::clear() {
    chunks_.clear();
    gops_.clear();
    open_run_.reset();
    bytes_ = 0;
}
