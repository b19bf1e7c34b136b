// backlog_gate.h - BacklogGate: how many viewers' threads may write backlog at the same time.
//
// Backlog is what a viewer is behind by: the rest of the GOP after its first picture, or a queue
// that piled up. On loopback or a fast LAN, writing it costs only CPU; when a thousand viewers join
// at once, a thousand threads writing two seconds of stream each would all be runnable, and the
// scheduler would give a thread that has yet to read its request or write its first picture a turn
// only once per round of all of them (hundreds of milliseconds). Through the gate, a few write at
// a time and the rest sleep, so that new viewers' first pictures get the CPU at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

class BacklogGate {
public:
    explicit BacklogGate(std::size_t passes) : free_(passes == 0 ? 1 : passes) {}
    BacklogGate(const BacklogGate&) = delete;
    BacklogGate& operator=(const BacklogGate&) = delete;

    // Held for one write; a thread that waits for its socket must not hold one.
    class Pass {
    public:
        explicit Pass(BacklogGate& gate) : gate_(gate) { gate_.enter(); }
        ~Pass() { gate_.leave(); }
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;

    private:
        BacklogGate& gate_;
    };

private:
    void enter() {
        std::unique_lock<std::mutex> lock(mutex_);
        freed_.wait(lock, [this] { return free_ > 0; });
        --free_;
    }
    void leave() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++free_;
        }
        freed_.notify_one();
    }

    std::mutex mutex_;
    std::condition_variable freed_;
    std::size_t free_;
};
