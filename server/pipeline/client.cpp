// client.cpp - queueing, dropping and batching for one viewer.
#include "server/pipeline/client.h"

#include <cstring>
#include <optional>

using namespace std::chrono;

namespace {
// Room kept free when a picture starts, for the rest of it: a large keyframe at 8 Mbit/s.
constexpr std::size_t kPictureReserveBytes = 512 * 1024;
}  // namespace

Client::Client(std::string stream_path, std::string address, const ClientLimits& limits)
    : stream_path_(std::move(stream_path)),
      address_(std::move(address)),
      max_lag_(limits.max_lag),
      queue_(limits.queue_chunks, limits.queue_bytes) {}

bool Client::offer(const ChunkRef& chunk, steady_clock::time_point now) {
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

void Client::drop(const ChunkRef& chunk, steady_clock::time_point now) {
    if (!resyncing_) {
        resyncing_ = true;
        lagging_since_ = now;
    }
    packets_dropped_.fetch_add(chunk->packet_count(), std::memory_order_relaxed);
    if (now - lagging_since_ > max_lag_)
        disconnect("too slow: losing packets for " + std::to_string(duration_cast<milliseconds>(now - lagging_since_).count()) +
                   " ms");
}

void Client::start_with(std::vector<ChunkRef> head, GopSnapshot gop) {
    start_head_ = std::move(head);
    start_gop_ = std::move(gop);
    start_gop_next_ = 0;
}

void Client::take_start_gop(std::vector<ChunkRef>& out, bool first_picture_only) {
    bool in_picture = false;
    for (; start_gop_next_ < start_gop_.size(); ++start_gop_next_) {
        const ChunkRef& chunk = start_gop_[start_gop_next_].chunk;
        if (first_picture_only && chunk->picture_start) {
            if (in_picture) return;
            in_picture = true;
        }
        out.push_back(chunk);
    }
    start_gop_ = GopSnapshot{};  // all handed out: the GOP's block may go
}

Client::BatchResult Client::next_chunks(std::vector<ChunkRef>& out, milliseconds max_delay) {
    out.clear();
    if (queue_.is_closed()) return BatchResult::closed;
    if (!start_taken_) {
        start_taken_ = true;
        out = std::move(start_head_);
        start_head_.clear();
        if (!start_gop_.empty()) {
            first_picture_at_ = steady_clock::now();
            keyframe_arrived_ = start_gop_.front().chunk->arrived;
        }
        take_start_gop(out, true);
        if (!out.empty()) return BatchResult::data;
    }
    // The rest of the GOP goes with whatever live chunks are queued behind it, without waiting.
    const bool rest_of_start = !start_gop_.empty();
    if (rest_of_start) take_start_gop(out, false);
    const std::size_t min_bytes = rest_of_start || first_pop_ ? 1 : kBatchBytes;
    switch (queue_.pop_batch(out, rest_of_start ? milliseconds(0) : max_delay, min_bytes)) {
    case PacketQueue::PopResult::closed: out.clear(); return BatchResult::closed;
    case PacketQueue::PopResult::timeout:
        if (out.empty()) return BatchResult::idle;
        break;
    case PacketQueue::PopResult::data: first_pop_ = false; break;
    }
    if (rest_of_start) return BatchResult::backlog;
    std::size_t bytes = 0;
    for (const ChunkRef& chunk : out) bytes += chunk->bytes.size();
    return bytes > 2 * kBatchBytes ? BatchResult::backlog : BatchResult::data;
}

steady_clock::time_point Client::due(const PacketChunk& chunk) const {
    if (first_picture_at_ == steady_clock::time_point::min()) return first_picture_at_;
    return first_picture_at_ + (chunk.arrived - keyframe_arrived_);
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

bool write_batch(const std::vector<ChunkRef>& batch, BufferPool& pool,
                 const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent) {
    std::optional<BufferPool::Lease> gathered;
    std::size_t used = 0;
    auto flush = [&] {
        if (used == 0) return true;
        if (!write(gathered->data(), used)) return false;
        sent += used;
        used = 0;
        return true;
    };
    for (const ChunkRef& chunk : batch) {
        const std::vector<uint8_t>& bytes = chunk->bytes;
        if (bytes.size() >= kGatherBelow || bytes.size() > pool.buffer_size()) {
            if (!flush() || !write(bytes.data(), bytes.size())) return false;
            sent += bytes.size();
            continue;
        }
        if (!gathered) gathered.emplace(pool.take());
        if (used + bytes.size() > gathered->size() && !flush()) return false;
        std::memcpy(gathered->data() + used, bytes.data(), bytes.size());
        used += bytes.size();
    }
    return flush();
}

bool write_backlog(const std::vector<ChunkRef>& batch, BufferPool& pool, BacklogGate& gate, const DueFunction& due,
                   const std::function<bool()>& wait_writable,
                   const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent) {
    // Each write waits for room in the socket first, then for its turn at the gate.
    auto write_in_turn = [&](const PacketChunk& first, const std::function<bool()>& piece) {
        return wait_writable() && gate.write(due(first), piece);
    };
    std::vector<ChunkRef> slice;
    for (std::size_t next = 0; next < batch.size();) {
        // A chunk bigger than a slice (an upstream read of up to `inputbuffer` packets) goes in
        // slice-sized pieces: each write must fit in the room wait_writable found, or a stalled
        // viewer's write would block the thread running it, perhaps another viewer's.
        if (batch[next]->bytes.size() > kBacklogSliceBytes) {
            const PacketChunk& chunk = *batch[next++];
            for (std::size_t offset = 0; offset < chunk.bytes.size(); offset += kBacklogSliceBytes) {
                const std::size_t len = std::min(kBacklogSliceBytes, chunk.bytes.size() - offset);
                const bool ok = write_in_turn(chunk, [&] {
                    if (!write(chunk.bytes.data() + offset, len)) return false;
                    sent += len;
                    return true;
                });
                if (!ok) return false;
            }
            continue;
        }
        slice.clear();
        std::size_t bytes = 0;
        while (next < batch.size() && bytes + batch[next]->bytes.size() <= kBacklogSliceBytes) {
            bytes += batch[next]->bytes.size();
            slice.push_back(batch[next++]);
        }
        if (!write_in_turn(*slice.front(), [&] { return write_batch(slice, pool, write, sent); })) return false;
    }
    return true;
}
