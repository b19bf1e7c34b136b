// backlog_gate.h - BacklogGate: how many viewers' threads may write backlog at the same time, in
// which order, and newcomers first.
//
// Backlog is what a viewer is behind by: the rest of the GOP after its first picture, or a queue
// that piled up. On loopback or a fast LAN, writing it costs only CPU; when a thousand viewers join
// at once, a thousand threads writing two seconds of stream each would all be runnable, and the
// scheduler would give a thread that has yet to read its request or write its first picture a turn
// only once per round of all of them (hundreds of milliseconds). Through the gate, a few write at
// a time and the rest sleep, so that new viewers' first pictures get the CPU at once. Writes run
// in due order (earliest deadline first): the viewer about to run dry gets its slice before one
// with a second of stream in hand.
//
// A thread that holds a pass runs the queued writes of sleeping threads too, earliest first, until
// its own is done, and one more on its way out. Handing the pass to the sleeper instead would leave
// it unused until that thread got a CPU: with 1000 threads runnable that is most of the time, and
// at 2000 viewers all behind, delivery fell to 14.2 Gbit/s of the stream's 16. Letting any running
// thread take a free pass for its own write kept the pass busy but not in due order: a thread wrote
// its whole backlog while viewers due sooner slept, and fell behind their clocks.
//
// Even a few backlog writers (and the viewers reading what they write) take the CPU from the
// acceptor, which creates a thread per connection: in a storm, backlog is most of the bytes.
// So while connections are arriving and some have yet to write their first bytes, backlog waits,
// for at most `max_wait` per slice, and only while the viewer has a `lead` of playing time in hand
// (a slice is due when the viewer's playback, started at its first picture, reaches it): a first
// picture followed by a stall would be no fast start. Only recent arrivals count
// (`arrivals_window`): a connection that never sends its request must not hold everyone's backlog
// for the 5 s read timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>

struct NewcomerPriority {
    std::chrono::milliseconds arrivals_window{100};  // the last accept is this recent: still arriving
    std::chrono::milliseconds max_wait{200};          // a backlog slice waits for newcomers at most this long
    std::chrono::milliseconds lead{300};              // and never past this long before it is due
};

class BacklogGate {
public:
    using Clock = std::chrono::steady_clock;

    explicit BacklogGate(std::size_t passes, NewcomerPriority priority = {});
    BacklogGate(const BacklogGate&) = delete;
    BacklogGate& operator=(const BacklogGate&) = delete;

    // The acceptor took a connection; `still_queued` more wait in the listen backlog.
    void connection_accepted(std::size_t still_queued);
    // Once per accepted connection: it has written its first response bytes, or ended without.
    void connection_started();

    // Runs `write` under one of the passes and returns what it returned. `due`: when the viewer
    // needs the slice (Client::due); the default never holds back for newcomers. `write` may run
    // on another thread that holds a pass, while this one sleeps: it must not depend on the thread
    // it runs on, and should not block (wait for the socket to have room before calling this).
    // What it throws is thrown here.
    bool write(Clock::time_point due, const std::function<bool()>& write);
    bool write(const std::function<bool()>& write) { return this->write(Clock::time_point::min(), write); }

private:
    struct QueuedWrite {
        const std::function<bool()>* write = nullptr;
        std::condition_variable wake;  // done, or a pass is free for its thread to take
        bool done = false;
        bool ok = false;
        std::exception_ptr failure;  // what `write` threw, rethrown on the thread that queued it
    };
    // Waits while newcomers start, within the bounds of priority_.
    void hold_for_newcomers(std::unique_lock<std::mutex>& lock, Clock::time_point due);
    // Takes a pass and runs the queued write due first, on this thread.
    void run_first(std::unique_lock<std::mutex>& lock);
    void wake_first_writer();  // under mutex_
    // Under mutex_: connections are arriving and not all have started; `until`: when that lapses
    // unless another connection is accepted.
    bool newcomers_pending(Clock::time_point now, Clock::time_point& until) const;

    const NewcomerPriority priority_;
    std::mutex mutex_;
    std::condition_variable newcomers_started_;  // no connection is starting any more
    std::size_t free_;
    std::multimap<Clock::time_point, QueuedWrite*> queued_writes_;  // by due time; each on its thread's stack
    std::size_t starting_ = 0;  // accepted, first bytes not written yet
    std::size_t in_listen_queue_ = 0;  // in the listen backlog at the last accept
    Clock::time_point last_accept_{};
};
