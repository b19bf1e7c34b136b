// periodic_thread.h - PeriodicThread: one thread that calls a function every interval until it is
// stopped; the owner stops and joins it (at the latest in the destructor).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

class PeriodicThread {
public:
    // `tick` runs on the thread, first after one interval.
    PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick);
    ~PeriodicThread() { stop(); }
    PeriodicThread(const PeriodicThread&) = delete;
    PeriodicThread& operator=(const PeriodicThread&) = delete;

    // Waits for a tick in progress to end. Idempotent.
    void stop();

private:
    void run();

    const std::chrono::milliseconds interval_;
    const std::function<void()> tick_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: started once the rest is ready
};
