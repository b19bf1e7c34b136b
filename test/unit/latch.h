// latch.h - Latch: a one-shot countdown that orders the threads of a test (C++17 has no std::latch).
// Any thread may count down or wait. Every wait has a limit, so a broken test fails instead of hanging.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

class Latch {
public:
    explicit Latch(std::ptrdiff_t count) : count_(count) {}
    Latch(const Latch&) = delete;
    Latch& operator=(const Latch&) = delete;

    // Counting below zero stays at zero, like a latch that has already opened.
    void count_down(std::ptrdiff_t n = 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        count_ = n >= count_ ? 0 : count_ - n;
        // Under the lock: a waiter that returns may destroy the latch at once.
        if (count_ == 0) opened_.notify_all();
    }

    // True once the count is zero; false when `limit` passes first.
    [[nodiscard]] bool wait_for(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        std::unique_lock<std::mutex> lock(mutex_);
        return opened_.wait_for(lock, limit, [this] { return count_ == 0; });
    }

    bool try_wait() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_ == 0;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable opened_;
    std::ptrdiff_t count_;
};
