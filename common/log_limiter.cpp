// log_limiter.cpp - the per-key interval and the bounded map of LogLimiter.
#include "common/log_limiter.h"

namespace {
// The shared entry of keys that found the map full. Not a valid address, so never a real key.
const std::string kOverflowKey = "*";
}  // namespace

LogLimiter::LogLimiter(Clock::duration interval, std::size_t max_keys) : interval_(interval), max_keys_(max_keys) {}

uint64_t LogLimiter::admit(const std::string& key, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= max_keys_) forget_quiet(now);
        const std::string& slot = entries_.size() < max_keys_ ? key : kOverflowKey;
        it = entries_.find(slot);
        if (it == entries_.end()) {
            entries_.emplace(slot, Entry{now, 0});
            return 1;
        }
    }
    Entry& entry = it->second;
    if (now - entry.logged < interval_) {
        ++entry.suppressed;
        return 0;
    }
    const uint64_t count = entry.suppressed + 1;
    entry = Entry{now, 0};
    return count;
}

void LogLimiter::forget_quiet(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        // Its suppressed count is lost with it: the key has not come back for a whole interval.
        if (now - it->second.logged >= interval_)
            it = entries_.erase(it);
        else
            ++it;
    }
}
