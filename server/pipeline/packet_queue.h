// packet_queue.h - per-client queue of packet chunks.
// Producer: the stream's reader thread. Consumer: the client's HTTP thread.
// Push and pop are lock-free; the mutex only guards sleeping and waking the consumer, and the
// producer only ever try-locks it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "server/pipeline/packet_chunk.h"

class PacketQueue {
public:
    // Holds at most `max_chunks` (rounded up to a power of two) and at most `max_bytes` of packets.
    PacketQueue(std::size_t max_chunks, std::size_t max_bytes);

    // Producer only. False when the queue is full or closed; the chunk is then not queued.
    bool push(ChunkRef chunk);
    // Producer only. Whether `chunks` more chunks of `bytes` bytes in all would fit now.
    bool has_room(std::size_t chunks, std::size_t bytes) const;

    enum class PopResult { data, timeout, closed };
    // Consumer only. Waits until at least `min_bytes` are queued or `timeout` has passed, then
    // appends every queued chunk to `out` (data, if any arrived) or returns timeout.
    // `closed` is returned as soon as close() was called, even if chunks are left.
    // A min_bytes above one batches: the producer wakes the consumer once per batch, not per chunk.
    PopResult pop_batch(std::vector<ChunkRef>& out, std::chrono::milliseconds timeout, std::size_t min_bytes = 1);

    // Consumer only. Appends every queued chunk to `out`, closed or not: a consumer that has ended
    // lets go of its chunks without waiting for the queue to be destroyed.
    void drain(std::vector<ChunkRef>& out);

    // Any thread. Wakes the consumer; later pushes fail.
    void close();
    bool is_closed() const { return closed_.load(std::memory_order_acquire); }

    // Any thread; exact only on the consumer thread, an estimate elsewhere.
    std::size_t queued_bytes() const;
    std::size_t capacity_bytes() const { return max_bytes_; }

private:
    bool has_data() const { return tail_.load(std::memory_order_acquire) != head_.load(std::memory_order_relaxed); }
    // Consumer: moves every queued chunk to `out`; false when there was none.
    bool take_all(std::vector<ChunkRef>& out);
    // Producer: notifies a sleeping consumer without ever blocking on its mutex.
    void wake_consumer();

    std::vector<ChunkRef> slots_;
    const std::size_t mask_;
    const std::size_t max_bytes_;

    alignas(64) std::atomic<std::size_t> tail_{0};         // next slot to fill; written by the producer
    std::atomic<std::size_t> pushed_bytes_{0};             // written by the producer
    alignas(64) std::atomic<std::size_t> head_{0};         // next slot to read; written by the consumer
    std::atomic<std::size_t> popped_bytes_{0};             // written by the consumer
    alignas(64) std::atomic<bool> consumer_sleeping_{false};
    std::atomic<std::size_t> wake_bytes_{1};  // the sleeping consumer wants to be woken at this many bytes
    std::atomic<bool> closed_{false};
    std::mutex wake_mutex_;
    std::condition_variable wake_;
};
