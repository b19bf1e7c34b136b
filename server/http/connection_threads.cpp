// connection_threads.cpp - start, reap and join one thread per connection.
#include "server/http/connection_threads.h"

#include <system_error>
#include <utility>

#include "common/log.h"

ConnectionThreads::ConnectionThreads(std::size_t max_threads) : max_threads_(max_threads), reaper_([this] { reap(); }) {}

void ConnectionThreads::enqueue(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mutex_);
    worker_done_.wait(lock, [this] { return running_ < max_threads_; });
    running_workers_.emplace_back();
    const auto worker = std::prev(running_workers_.end());
    worker->task = std::move(fn);
    ++running_;
    // fn closes the socket, so it must run even if the first thread creation fails.
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
                finished_changed_.notify_one();
            });
            return;
        } catch (const std::system_error& e) {
            LogLine(LogLevel::error, "thread_create_failed").kv("reason", e.what()).kv("threads", running_);
            worker_done_.wait_for(lock, std::chrono::milliseconds(100));
        }
    }
}

void ConnectionThreads::reap() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        finished_changed_.wait(lock, [this] { return stopping_ || !finished_.empty(); });
        join_finished(lock);
        if (stopping_) return;
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
    {
        std::unique_lock<std::mutex> lock(mutex_);
        worker_done_.wait(lock, [this] { return running_ == 0; });
        stopping_ = true;
        finished_changed_.notify_one();
    }
    // HttpServer::run calls this, then the destructor calls it again.
    if (reaper_.joinable()) reaper_.join();
    std::unique_lock<std::mutex> lock(mutex_);
    join_finished(lock);
}
