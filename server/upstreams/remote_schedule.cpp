// remote_schedule.cpp - round-robin over a shuffled order with per-remote exponential backoff.
#include "server/upstreams/remote_schedule.h"

#include <algorithm>
#include <numeric>
#include <random>

using namespace std::chrono;

RemoteSchedule::RemoteSchedule(std::vector<std::size_t> order, milliseconds reconnect, milliseconds max_backoff)
    : order_(std::move(order)), states_(order_.size()), reconnect_(reconnect), max_backoff_(std::max(max_backoff, reconnect)) {}

std::vector<std::size_t> RemoteSchedule::listed_order(std::size_t count) {
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    return order;
}

std::vector<std::size_t> RemoteSchedule::shuffled_order(std::size_t count, uint32_t seed) {
    std::vector<std::size_t> order = listed_order(count);
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    return order;
}

RemoteSchedule::Next RemoteSchedule::next(Clock::time_point now) const {
    Next result;
    if (order_.empty()) return result.offline = true, result;
    std::optional<Clock::time_point> earliest;
    // From the cursor on, the first remote whose backoff is over; else the one that is free soonest.
    for (std::size_t step = 0; step < order_.size(); ++step) {
        const std::size_t remote = order_[(cursor_ + step) % order_.size()];
        const RemoteState& state = states_[remote];
        if (state.failures == 0 || state.retry_at <= now) {
            if (state.failures > 0 && reconnect_.count() == 0) continue;
            result.remote = remote;
            return result;
        }
        if (!earliest || state.retry_at < *earliest) earliest = state.retry_at;
    }
    if (!earliest) return result.offline = true, result;
    result.wait = *earliest - now;
    return result;
}

std::optional<std::size_t> RemoteSchedule::next_other(std::size_t current, Clock::time_point now) const {
    for (std::size_t step = 0; step < order_.size(); ++step) {
        const std::size_t remote = order_[(cursor_ + step) % order_.size()];
        const RemoteState& state = states_[remote];
        if (remote == current || (state.failures > 0 && (reconnect_.count() == 0 || state.retry_at > now))) continue;
        return remote;
    }
    return std::nullopt;
}

void RemoteSchedule::report_failure(std::size_t remote, Clock::time_point now) {
    RemoteState& state = states_[remote];
    ++state.failures;
    // reconnect, 2x, 4x, ... up to the cap; the shift is bounded so it cannot overflow.
    const auto factor = int64_t(1) << std::min<uint32_t>(state.failures - 1, 20);
    state.retry_at = now + std::min<milliseconds>(reconnect_ * factor, max_backoff_);
    const auto pos = std::find(order_.begin(), order_.end(), remote) - order_.begin();
    cursor_ = (static_cast<std::size_t>(pos) + 1) % order_.size();
}

void RemoteSchedule::report_success(std::size_t remote) { states_[remote] = RemoteState{}; }
