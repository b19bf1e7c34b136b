// connection_threads.h - cpp-httplib task queue that runs each accepted connection on its own thread.
// enqueue() is called by the acceptor thread; shutdown() by httplib when listening ends, and it joins all.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <list>
#include <mutex>
#include <thread>

class ConnectionThreads : public httplib::TaskQueue {
public:
    // At most `max_threads` connections run at once; further ones wait in the listen backlog,
    // because enqueue() blocks the acceptor until a thread is free.
    explicit ConnectionThreads(std::size_t max_threads) : max_threads_(max_threads) {}
    ~ConnectionThreads() override { shutdown(); }

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

private:
    struct Worker {
        std::function<void()> task;
        std::thread thread;
        bool done = false;  // guarded by mutex_
    };
    void join_finished(std::unique_lock<std::mutex>& lock);

    const std::size_t max_threads_;
    std::mutex mutex_;
    std::condition_variable worker_done_;
    std::list<Worker> workers_;
    std::size_t running_ = 0;
};
