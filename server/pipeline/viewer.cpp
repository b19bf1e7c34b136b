// viewer.cpp - queueing, dropping and batching for one viewer.
#include "server/pipeline/viewer.h"

#include <utility>

using namespace std::chrono;

namespace {
// Room kept free when a picture starts, for the rest of it: a large keyframe at 8 Mbit/s.
constexpr std::size_t kPictureReserveBytes = 512 * 1024;
}  // namespace

Viewer::Viewer(std::string stream_path, std::string address, const ViewerLimits& limits, std::string user)
    : stream_path_(std::move(stream_path)),
      address_(std::move(address)),
      user_(std::move(user)),
      max_lag_(limits.max_lag),
      queue_(limits.queue_chunks, limits.queue_bytes) {}

bool Viewer::offer(const ChunkRef& chunk, steady_clock::time_point now) {
    if (queue_.is_closed()) return false;
    if (resyncing_) {
        // Only a keyframe chunk that fits with its PAT and PMT ends the skip.
        if (!chunk->random_access) {
            drop(chunk, now);
            return true;
        }
        const std::size_t psi_bytes = chunk->psi ? chunk->psi->bytes.size() : 0;
        if (!queue_.has_room(chunk->psi ? 2 : 1, psi_bytes + chunk->bytes.size())) {
            drop(chunk, now);
            return true;
        }
        if (chunk->psi) queue_.push(chunk->psi);
        queue_.push(chunk);
        resyncing_ = false;
        return true;
    }
    // A picture is started only with room to finish it: a drop then falls between two pictures,
    // and the viewer never decodes half of one.
    const bool fits = !chunk->picture_start || queue_.has_room(2, chunk->bytes.size() + kPictureReserveBytes);
    if (!fits || !queue_.push(chunk)) drop(chunk, now);
    return true;
}

void Viewer::drop(const ChunkRef& chunk, steady_clock::time_point now) {
    if (!resyncing_) {
        resyncing_ = true;
        lagging_since_ = now;
    }
    packets_dropped_.fetch_add(chunk->packet_count(), std::memory_order_relaxed);
    if (now - lagging_since_ > max_lag_)
        disconnect("too slow: losing packets for " + std::to_string(duration_cast<milliseconds>(now - lagging_since_).count()) +
                   " ms");
}

bool Viewer::start(const std::vector<ChunkRef>& head) {
    std::size_t bytes = 0;
    for (const ChunkRef& chunk : head) bytes += chunk->bytes.size();
    if (!queue_.has_room(head.size(), bytes)) {
        resyncing_ = true;
        lagging_since_ = steady_clock::now();
        return false;
    }
    start_bytes_.store(bytes, std::memory_order_release);
    for (const ChunkRef& chunk : head) queue_.push(chunk);
    return true;
}

PacketQueue::PopResult Viewer::next_batch(std::vector<ChunkRef>& out, std::size_t batch_bytes, milliseconds max_delay) {
    out.clear();
    const bool in_start = popped_bytes_ == 0 || popped_bytes_ < start_bytes_.load(std::memory_order_acquire);
    const PacketQueue::PopResult result = queue_.pop_batch(out, max_delay, in_start ? 1 : batch_bytes);
    for (const ChunkRef& chunk : out) popped_bytes_ += chunk->bytes.size();
    return result;
}

void Viewer::disconnect(const std::string& reason) {
    {
        std::lock_guard<std::mutex> lock(reason_mutex_);
        if (end_reason_.empty()) end_reason_ = reason;
    }
    queue_.close();
}

void Viewer::release(const std::string& reason) {
    disconnect(reason);
    std::vector<ChunkRef> left;
    queue_.drain(left);
}

std::string Viewer::end_reason() const {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    return end_reason_;
}

