// connection_threads_test.cpp - ConnectionThreads: every task runs at once on a thread of its own, at
// most max_threads at a time, and ended threads are joined as they end (the thread count comes back).
#include <catch2/catch.hpp>
#include <dirent.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/http/connection_threads.h"
#include "wait_until.h"

using namespace std::chrono;

namespace {
std::size_t thread_count() {
    std::size_t n = 0;
    if (DIR* dir = ::opendir("/proc/self/task")) {
        while (dirent* e = ::readdir(dir))
            if (e->d_name[0] != '.') ++n;
        ::closedir(dir);
    }
    return n;
}

// Tasks that block until released: a task is "running" between its start and the release.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t started = 0;
    bool open = false;

    void task() {
        std::unique_lock<std::mutex> lock(mutex);
        ++started;
        changed.notify_all();
        changed.wait(lock, [this] { return open; });
    }
    bool wait_started(std::size_t n, milliseconds limit = milliseconds(5000)) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, limit, [&] { return started >= n; });
    }
    void release() {
        std::lock_guard<std::mutex> lock(mutex);
        open = true;
        changed.notify_all();
    }
};
}  // namespace

TEST_CASE("ConnectionThreads: 200 tasks run at once, and their threads are joined once they end", "[threads]") {
    const std::size_t before = thread_count();
    Gate gate;
    {
        ConnectionThreads threads(1000);
        for (int i = 0; i < 200; ++i) threads.enqueue([&gate] { gate.task(); });
        REQUIRE(gate.wait_started(200));  // none waited for another to end
        CHECK(thread_count() >= before + 200);
        gate.release();
        // Ended threads are joined as they end, without waiting for a next connection: only the
        // reaper is left.
        CHECK(wait_until([&] { return thread_count() == before + 1; }));
        std::atomic<bool> ran{false};
        threads.enqueue([&ran] { ran = true; });
        CHECK(wait_until([&] { return ran.load(); }));
    }
    CHECK(thread_count() == before);
}

TEST_CASE("ConnectionThreads: at most max_threads run; the next connection waits for one to end", "[threads]") {
    Gate gate;
    ConnectionThreads threads(4);
    for (int i = 0; i < 4; ++i) threads.enqueue([&gate] { gate.task(); });
    REQUIRE(gate.wait_started(4));

    std::atomic<bool> fifth_ran{false};
    std::thread acceptor([&] { threads.enqueue([&fifth_ran] { fifth_ran = true; }); });
    std::this_thread::sleep_for(milliseconds(100));
    CHECK_FALSE(fifth_ran.load());  // blocked in enqueue: the kernel's backlog holds the connection
    gate.release();
    acceptor.join();
    CHECK(wait_until([&] { return fifth_ran.load(); }));
    threads.shutdown();
}
