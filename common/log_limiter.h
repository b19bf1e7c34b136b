// log_limiter.h - decides whether an event that can repeat thousands of times a second (a refused
// head, a failed accept) is logged now: at most once per interval per key, with a count of the
// events each line stands for. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

class LogLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // Keys beyond `max_keys` (after forgetting the ones whose interval has passed) share one entry,
    // so that a flood from many addresses costs a bounded map and still one line per interval.
    LogLimiter(Clock::duration interval, std::size_t max_keys);

    // 0 when this event is not to be logged; else how many events the line stands for: this one and
    // those not logged since the key's last line.
    uint64_t admit(const std::string& key, Clock::time_point now = Clock::now());

private:
    struct Entry {
        Clock::time_point logged;
        uint64_t suppressed = 0;
    };
    // Drops the entries whose interval has passed.
    void forget_quiet(Clock::time_point now);

    const Clock::duration interval_;
    const std::size_t max_keys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
};
