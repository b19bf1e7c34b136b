// buffer_pool.h - BufferPool: scratch buffers of one size, lent out and given back, shared by all
// threads. A viewer's writer borrows one per batch instead of owning one, so memory follows the
// number of writes in flight (a few per core), not the number of viewers.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

class BufferPool {
public:
    // Keeps at most `max_idle` returned buffers for reuse; more are freed.
    BufferPool(std::size_t buffer_size, std::size_t max_idle) : buffer_size_(buffer_size), max_idle_(max_idle) {}
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    class Lease;
    // Any thread. A buffer of buffer_size() bytes, back to the pool when the lease ends.
    Lease take();
    std::size_t buffer_size() const { return buffer_size_; }
    std::size_t idle_count() const;

private:
    void give_back(std::unique_ptr<unsigned char[]> buffer);

    const std::size_t buffer_size_;
    const std::size_t max_idle_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<unsigned char[]>> idle_;
};

class BufferPool::Lease {
public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
        if (buffer_) pool_->give_back(std::move(buffer_));
    }
    unsigned char* data() { return buffer_.get(); }
    std::size_t size() const { return pool_->buffer_size(); }

private:
    friend class BufferPool;
    Lease(BufferPool* pool, std::unique_ptr<unsigned char[]> buffer) : pool_(pool), buffer_(std::move(buffer)) {}
    BufferPool* pool_;
    std::unique_ptr<unsigned char[]> buffer_;
};

inline BufferPool::Lease BufferPool::take() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!idle_.empty()) {
            auto buffer = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(buffer));
        }
    }
    // Not zeroed (make_unique would): every byte is written before it is sent, and clearing 256 KiB
    // per new buffer cost more than the copy into it when hundreds of viewers joined at once.
    return Lease(this, std::unique_ptr<unsigned char[]>(new unsigned char[buffer_size_]));
}

inline void BufferPool::give_back(std::unique_ptr<unsigned char[]> buffer) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(buffer));
}

inline std::size_t BufferPool::idle_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_.size();
}
