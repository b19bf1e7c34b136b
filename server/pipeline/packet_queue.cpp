// packet_queue.cpp - SPSC ring of ChunkRef with a sleeping consumer.
#include "server/pipeline/packet_queue.h"

namespace {
std::size_t round_up_pow2(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}
}  // namespace

PacketQueue::PacketQueue(std::size_t max_chunks, std::size_t max_bytes)
    : slots_(round_up_pow2(max_chunks < 2 ? 2 : max_chunks)), mask_(slots_.size() - 1), max_bytes_(max_bytes) {}

bool PacketQueue::has_room(std::size_t chunks, std::size_t bytes) const {
    const std::size_t used_slots = tail_.load(std::memory_order_relaxed) - head_.load(std::memory_order_acquire);
    const std::size_t used_bytes = pushed_bytes_.load(std::memory_order_relaxed) - popped_bytes_.load(std::memory_order_acquire);
    return used_slots + chunks <= slots_.size() && used_bytes + bytes <= max_bytes_;
}

bool PacketQueue::push(ChunkRef chunk) {
    if (closed_.load(std::memory_order_relaxed)) return false;
    if (!has_room(1, chunk->bytes.size())) return false;
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t size = chunk->bytes.size();
    const std::size_t pushed = pushed_bytes_.load(std::memory_order_relaxed);

    slots_[tail & mask_] = std::move(chunk);
    tail_.store(tail + 1, std::memory_order_release);
    // After the tail: a consumer that sees these bytes also sees the chunk that holds them.
    // The seq_cst store and load pair with the consumer's in pop_batch: either it sees the new
    // bytes, or we see it asleep and wake it (or, when it holds its mutex, a later push does).
    pushed_bytes_.store(pushed + size, std::memory_order_seq_cst);
    if (consumer_sleeping_.load(std::memory_order_seq_cst) &&
        pushed + size - popped_bytes_.load(std::memory_order_acquire) >= wake_bytes_.load(std::memory_order_relaxed))
        wake_consumer();
    return true;
}

void PacketQueue::wake_consumer() {
    // The reader feeds every viewer of the stream: it must never wait for one. If the consumer
    // holds the mutex it is either awake already or has just found too little data and is about
    // to wait; then the next push (the reader pushes every few milliseconds) or the consumer's
    // own timeout wakes it. Taking the mutex at all, once free, means a consumer that has
    // committed to waiting is inside wait() and gets this notification.
    std::unique_lock<std::mutex> lock(wake_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    lock.unlock();
    wake_.notify_one();
}

PacketQueue::PopResult PacketQueue::pop_batch(std::vector<ChunkRef>& out, std::chrono::milliseconds timeout,
                                              std::size_t min_bytes) {
    if (is_closed()) return PopResult::closed;
    if (queued_bytes() < min_bytes) {
        std::unique_lock<std::mutex> lock(wake_mutex_);
        wake_bytes_.store(min_bytes, std::memory_order_relaxed);
        consumer_sleeping_.store(true, std::memory_order_seq_cst);
        wake_.wait_for(lock, timeout, [this, min_bytes] {
            // queued_bytes() loads pushed_bytes_ seq_cst, pairing with the producer (see push()).
            return queued_bytes() >= min_bytes || is_closed();
        });
        consumer_sleeping_.store(false, std::memory_order_relaxed);
    }
    if (is_closed()) return PopResult::closed;
    return take_all(out) ? PopResult::data : PopResult::timeout;
}

void PacketQueue::drain(std::vector<ChunkRef>& out) { take_all(out); }

bool PacketQueue::take_all(std::vector<ChunkRef>& out) {
    std::size_t head = head_.load(std::memory_order_relaxed);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    if (head == tail) return false;
    std::size_t bytes = 0;
    for (; head != tail; ++head) {
        ChunkRef& slot = slots_[head & mask_];
        bytes += slot->bytes.size();
        out.push_back(std::move(slot));  // leaves the slot empty before the producer may reuse it
    }
    popped_bytes_.store(popped_bytes_.load(std::memory_order_relaxed) + bytes, std::memory_order_release);
    head_.store(tail, std::memory_order_release);
    return true;
}

void PacketQueue::close() {
    {
        std::lock_guard<std::mutex> lock(wake_mutex_);
        closed_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
}

std::size_t PacketQueue::queued_bytes() const {
    const std::size_t popped = popped_bytes_.load(std::memory_order_acquire);
    const std::size_t pushed = pushed_bytes_.load(std::memory_order_seq_cst);
    return pushed >= popped ? pushed - popped : 0;
}
