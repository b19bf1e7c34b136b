// backlog_gate.cpp - BacklogGate: passes for backlog writes, held back while newcomers start.
#include "backlog_gate.h"

#include <algorithm>

BacklogGate::BacklogGate(std::size_t passes, NewcomerPriority priority)
    : priority_(priority), free_(passes == 0 ? 1 : passes) {}

void BacklogGate::connection_accepted(std::size_t still_queued) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++starting_;
    queued_ = still_queued;
    last_accept_ = Clock::now();
}

void BacklogGate::connection_started() {
    bool none_pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (starting_ > 0) --starting_;
        // Queued ones count until the acceptor takes them (and says how many are left then).
        none_pending = starting_ == 0 && queued_ == 0;
    }
    if (none_pending) newcomers_started_.notify_all();
}

bool BacklogGate::newcomers_pending(Clock::time_point now, Clock::time_point& until) const {
    if (starting_ == 0 && queued_ == 0) return false;
    until = last_accept_ + priority_.arrivals_window;
    return now < until;
}

// Two waits: for newcomers on one condition variable, then for a pass in due order, each waiter on
// its own, so that a returned pass wakes exactly the thread that gets it.
void BacklogGate::enter(Clock::time_point due) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto give_up = Clock::now() + priority_.max_wait;
    if (due < give_up + priority_.lead) give_up = due == Clock::time_point::min() ? due : due - priority_.lead;
    for (;;) {
        const auto now = Clock::now();
        Clock::time_point pending_until;
        if (now >= give_up || !newcomers_pending(now, pending_until)) break;
        newcomers_started_.wait_until(lock, std::min(give_up, pending_until));
    }
    if (free_ > 0) {  // passes are free only while nobody waits: leave() hands them over
        --free_;
        return;
    }
    PassWaiter me;
    waiting_.emplace(due, &me);  // after those due at the same time
    me.handed_over.wait(lock, [&me] { return me.has_pass; });
}

void BacklogGate::leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.empty()) {
        ++free_;
        return;
    }
    PassWaiter* next = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    next->has_pass = true;
    // Under the lock: the waiter's frame stays until it has the lock back and sees has_pass.
    next->handed_over.notify_one();
}
