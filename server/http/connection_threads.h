// connection_threads.h - runs each accepted connection on its own thread.
// enqueue() is called by the acceptor thread; shutdown() when accepting ends, and it joins all.
// A reaper thread joins connection threads as they end.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

class ConnectionThreads {
public:
    // At most `max_threads` connections run at once; further ones wait in the listen backlog,
    // because enqueue() blocks the acceptor until a thread is free.
    explicit ConnectionThreads(std::size_t max_threads);
    ~ConnectionThreads() { shutdown(); }

    void enqueue(std::function<void()> fn);
    // Waits for every connection to end and joins its thread. Idempotent.
    void shutdown();

private:
    struct Worker {
        std::function<void()> task;  // kept here, not in the thread: it must run even if creating a thread fails
        std::thread thread;
    };
    // The reaper: joins ended threads as they end, until shutdown.
    void reap();
    // Joins the threads in finished_; the lock is released while joining.
    void join_finished(std::unique_lock<std::mutex>& lock);

    const std::size_t max_threads_;
    std::mutex mutex_;
    std::condition_variable worker_done_;
    // Guarded by mutex_. A thread moves its own node from running_workers_ to finished_ as it ends.
    // Joining (which unmaps the stack) is the reaper's job, never the acceptor's: after 500 viewers
    // left, the next connection would otherwise wait for 500 joins.
    std::list<Worker> running_workers_;
    std::list<Worker> finished_;
    std::size_t running_ = 0;
    bool stopping_ = false;
    std::condition_variable finished_changed_;
    std::thread reaper_;  // last: started once the members it uses exist
};
