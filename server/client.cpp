// client.cpp - queueing, dropping and batching for one viewer.
#include "client.h"

using namespace std::chrono;

Client::Client(std::string stream_path, std::string address, const ClientLimits& limits)
    : stream_path_(std::move(stream_path)),
      address_(std::move(address)),
      max_full_time_(limits.max_full_time),
      queue_(limits.queue_chunks, limits.queue_bytes) {}

void Client::offer(const ChunkRef& chunk, steady_clock::time_point now) {
    if (queue_.is_closed()) return;
    if (queue_.push(chunk)) {
        full_since_ = {};
        return;
    }
    packets_dropped_.fetch_add(chunk->packet_count(), std::memory_order_relaxed);
    if (full_since_ == steady_clock::time_point{}) {
        full_since_ = now;
        return;
    }
    if (now - full_since_ > max_full_time_)
        disconnect("too slow: queue full for " + std::to_string(duration_cast<milliseconds>(now - full_since_).count()) +
                   " ms");
}

Client::BatchResult Client::next_batch(std::string& out, milliseconds timeout) {
    out.clear();
    switch (queue_.pop_batch(batch_, timeout)) {
    case PacketQueue::PopResult::closed: batch_.clear(); return BatchResult::closed;
    case PacketQueue::PopResult::timeout: return BatchResult::idle;
    case PacketQueue::PopResult::data: break;
    }
    std::size_t total = 0;
    for (const ChunkRef& chunk : batch_) total += chunk->bytes.size();
    out.reserve(total);
    for (const ChunkRef& chunk : batch_) out.append(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size());
    batch_.clear();
    return BatchResult::data;
}

void Client::disconnect(const std::string& reason) {
    {
        std::lock_guard<std::mutex> lock(reason_mutex_);
        if (end_reason_.empty()) end_reason_ = reason;
    }
    queue_.close();
}

std::string Client::end_reason() const {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    return end_reason_;
}
