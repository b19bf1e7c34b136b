// backlog_gate.cpp - BacklogGate: passes for backlog writes, held back while newcomers start.
#include "server/http/backlog_gate.h"

#include <algorithm>
#include <exception>

BacklogGate::BacklogGate(std::size_t passes, NewcomerPriority priority)
    : priority_(priority), free_(passes == 0 ? 1 : passes) {}

void BacklogGate::connection_accepted(std::size_t still_queued) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++starting_;
    in_listen_queue_ = still_queued;
    last_accept_ = Clock::now();
}

void BacklogGate::connection_started() {
    bool none_pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (starting_ > 0) --starting_;
        // Queued ones count until the acceptor takes them (and says how many are left then).
        none_pending = starting_ == 0 && in_listen_queue_ == 0;
    }
    if (none_pending) newcomers_started_.notify_all();
}

bool BacklogGate::newcomers_pending(Clock::time_point now, Clock::time_point& until) const {
    if (starting_ == 0 && in_listen_queue_ == 0) return false;
    until = last_accept_ + priority_.arrivals_window;
    return now < until;
}

bool BacklogGate::write(Clock::time_point due, const std::function<bool()>& write) {
    std::unique_lock<std::mutex> lock(mutex_);
    hold_for_newcomers(lock, due);
    QueuedWrite mine;
    mine.write = &write;
    queued_writes_.emplace(due, &mine);  // after those due at the same time
    while (!mine.done) {
        if (free_ > 0 && !queued_writes_.empty()) run_first(lock);
        else mine.wake.wait(lock);
    }
    // One more on the way out, before its thread, woken below, could take the pass.
    if (free_ > 0 && !queued_writes_.empty()) run_first(lock);
    wake_first_writer();
    if (mine.failure) std::rethrow_exception(mine.failure);
    return mine.ok;
}

void BacklogGate::hold_for_newcomers(std::unique_lock<std::mutex>& lock, Clock::time_point due) {
    // At most max_wait, and never within `lead` of the slice's due time (min() means late
    // already: checked first, as min() - lead would wrap).
    const auto give_up = due == Clock::time_point::min()
                             ? due
                             : std::min(Clock::now() + priority_.max_wait, due - priority_.lead);
    for (;;) {
        const auto now = Clock::now();
        Clock::time_point pending_until;
        if (now >= give_up || !newcomers_pending(now, pending_until)) return;
        newcomers_started_.wait_until(lock, std::min(give_up, pending_until));
    }
}

void BacklogGate::run_first(std::unique_lock<std::mutex>& lock) {
    QueuedWrite* first = queued_writes_.begin()->second;
    queued_writes_.erase(queued_writes_.begin());
    --free_;
    wake_first_writer();  // another pass may be free
    lock.unlock();
    bool ok = false;
    std::exception_ptr failure;
    try {
        ok = (*first->write)();
    } catch (...) {
        failure = std::current_exception();  // for the thread it belongs to
    }
    lock.lock();
    ++free_;
    first->ok = ok;
    first->failure = failure;
    first->done = true;
    first->wake.notify_one();  // under the lock: `first` lives until its thread has it back
}

void BacklogGate::wake_first_writer() {
    if (free_ > 0 && !queued_writes_.empty()) queued_writes_.begin()->second->wake.notify_one();
}
