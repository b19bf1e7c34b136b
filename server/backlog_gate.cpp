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
// its own, so that a returned pass wakes the waiter due first and no other.
void BacklogGate::enter(Clock::time_point due) {
    std::unique_lock<std::mutex> lock(mutex_);
    // Hold back for newcomers at most max_wait, and never within `lead` of the slice's due time
    // (min() means late already: checked first, as min() - lead would wrap).
    const auto give_up = due == Clock::time_point::min()
                             ? due
                             : std::min(Clock::now() + priority_.max_wait, due - priority_.lead);
    for (;;) {
        const auto now = Clock::now();
        Clock::time_point pending_until;
        if (now >= give_up || !newcomers_pending(now, pending_until)) break;
        newcomers_started_.wait_until(lock, std::min(give_up, pending_until));
    }
    // A free pass goes to whoever asks while it is free, a thread that is running. Handed to the
    // first waiter instead, it would lie unused until that thread got a CPU: when 2000 viewers were
    // all behind (so all their writes came through here), that held delivery at 14.2 Gbit/s of
    // the stream's 16 and they stayed behind.
    if (free_ == 0) {
        std::condition_variable my_turn;
        const auto me = waiting_.emplace(due, &my_turn);  // after those due at the same time
        my_turn.wait(lock, [&] { return free_ > 0 && waiting_.begin() == me; });
        waiting_.erase(me);
    }
    --free_;
    wake_first_waiter();  // another pass may be free
}

void BacklogGate::leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++free_;
    wake_first_waiter();
}

void BacklogGate::wake_first_waiter() {
    // Under the lock: a waiter's condition variable lives until it has the lock back.
    if (free_ > 0 && !waiting_.empty()) waiting_.begin()->second->notify_one();
}
