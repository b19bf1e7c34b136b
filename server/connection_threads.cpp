// connection_threads.cpp - start, reap and join one thread per connection.
#include "connection_threads.h"

#include <system_error>

#include "common/log.h"

void ConnectionThreads::enqueue(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mutex_);
    join_finished(lock);
    worker_done_.wait(lock, [this] { return running_ < max_threads_; });
    running_workers_.emplace_back();
    const auto worker = std::prev(running_workers_.end());
    worker->task = std::move(fn);
    ++running_;
    // httplib closes the socket inside fn, so fn must run even if the first thread creation fails.
    for (;;) {
        try {
            worker->thread = std::thread([this, worker] {
                try {
                    worker->task();
                } catch (const std::exception& e) {
                    LogLine(LogLevel::error, "connection_failed").kv("reason", e.what());
                }
                std::lock_guard<std::mutex> done_lock(mutex_);
                worker->task = nullptr;
                finished_.splice(finished_.end(), running_workers_, worker);
                --running_;
                worker_done_.notify_all();
            });
            return;
        } catch (const std::system_error& e) {
            LogLine(LogLevel::error, "thread_create_failed").kv("reason", e.what()).kv("threads", running_);
            worker_done_.wait_for(lock, std::chrono::milliseconds(100));
        }
    }
}

void ConnectionThreads::join_finished(std::unique_lock<std::mutex>& lock) {
    while (!finished_.empty()) {
        std::list<Worker> done;
        done.swap(finished_);
        lock.unlock();
        for (Worker& w : done)
            if (w.thread.joinable()) w.thread.join();
        done.clear();
        lock.lock();
    }
}

void ConnectionThreads::shutdown() {
    std::unique_lock<std::mutex> lock(mutex_);
    worker_done_.wait(lock, [this] { return running_ == 0; });
    join_finished(lock);
}
