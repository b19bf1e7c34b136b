// backlog_gate_test.cpp - BacklogGate: no more writes at once than it has passes, every queued
// write runs once a pass is given back, in due order, and backlog waits for newcomers, within bounds.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server/http/backlog_gate.h"
#include "wait_until.h"

TEST_CASE("BacklogGate: at most `passes` writes run at once, and all run in turn", "[backlog_gate]") {
    BacklogGate gate(2);
    std::atomic<int> inside{0}, most_inside{0}, done{0};
    std::atomic<bool> release{false};
    std::vector<std::thread> writers;
    for (int i = 0; i < 8; ++i)
        writers.emplace_back([&] {
            gate.write([&] {
                const int now = ++inside;
                for (int seen = most_inside.load(); now > seen && !most_inside.compare_exchange_weak(seen, now);) {}
                while (!release.load()) std::this_thread::yield();
                --inside;
                return true;
            });
            ++done;
        });
    // Two are in; the other six wait for a pass.
    CHECK(wait_until([&] { return inside.load() == 2; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(inside.load() == 2);
    CHECK(done.load() == 0);

    release = true;
    CHECK(wait_until([&] { return done.load() == 8; }));
    for (auto& w : writers) w.join();
    CHECK(most_inside.load() == 2);
}

namespace {
using namespace std::chrono;

// A thread that writes once through the gate and says when its write ran.
class PassTaker {
public:
    // `due`: when the viewer needs the slice; by default far ahead, so that it may wait.
    explicit PassTaker(BacklogGate& gate, steady_clock::time_point due = steady_clock::time_point::max())
        : started_(steady_clock::now()), due_(due), thread_([this, &gate] {
              gate.write(due_, [this] {
                  waited_ms_ = duration_cast<milliseconds>(steady_clock::now() - started_).count();
                  return true;
              });
              got_ = true;
          }) {}
    ~PassTaker() { thread_.join(); }
    bool got() const { return got_.load(); }
    long waited_ms() const { return waited_ms_.load(); }

private:
    const steady_clock::time_point started_;
    const steady_clock::time_point due_;
    std::atomic<bool> got_{false};
    std::atomic<long> waited_ms_{-1};
    std::thread thread_;
};
}  // namespace

TEST_CASE("BacklogGate: backlog waits while an accepted connection has yet to start", "[backlog_gate]") {
    BacklogGate gate(2, NewcomerPriority{seconds(5), seconds(10)});
    gate.connection_accepted(0);
    PassTaker backlog(gate);
    std::this_thread::sleep_for(milliseconds(100));
    CHECK_FALSE(backlog.got());
    gate.connection_started();
    CHECK(wait_until([&] { return backlog.got(); }, milliseconds(2000)));
}

TEST_CASE("BacklogGate: connections still in the listen backlog count as newcomers", "[backlog_gate]") {
    BacklogGate gate(2, NewcomerPriority{seconds(5), seconds(10)});
    gate.connection_accepted(2);  // two more queued behind this one
    gate.connection_started();
    PassTaker backlog(gate);
    std::this_thread::sleep_for(milliseconds(100));
    CHECK_FALSE(backlog.got());
    for (std::size_t left : {1, 0}) gate.connection_accepted(left);
    gate.connection_started();
    std::this_thread::sleep_for(milliseconds(50));
    CHECK_FALSE(backlog.got());  // the last one has not started yet
    gate.connection_started();
    CHECK(wait_until([&] { return backlog.got(); }, milliseconds(2000)));
}

TEST_CASE("BacklogGate: a connection that never starts holds backlog only while others still arrive", "[backlog_gate]") {
    BacklogGate gate(2, NewcomerPriority{milliseconds(150), seconds(10)});
    gate.connection_accepted(0);  // e.g. a client that never sends its request
    PassTaker backlog(gate);
    CHECK(wait_until([&] { return backlog.got(); }, milliseconds(3000)));
    CHECK(backlog.waited_ms() >= 100);
}

TEST_CASE("BacklogGate: a storm that never ends holds a backlog slice back for max_wait at most", "[backlog_gate]") {
    BacklogGate gate(2, NewcomerPriority{milliseconds(100), milliseconds(300)});
    std::atomic<bool> storming{true};
    std::thread acceptor([&] {
        while (storming.load()) {
            gate.connection_accepted(5);
            std::this_thread::sleep_for(milliseconds(10));
        }
    });
    auto backlog = std::make_unique<PassTaker>(gate);
    const bool got = wait_until([&] { return backlog->got(); }, milliseconds(3000));
    storming = false;  // before the taker is joined: a failed check must not hang the test
    acceptor.join();
    const long waited_ms = backlog->waited_ms();
    backlog.reset();
    CHECK(got);
    CHECK(waited_ms >= 250);
}

TEST_CASE("BacklogGate: a slice the viewer will soon need does not wait for newcomers", "[backlog_gate]") {
    BacklogGate gate(2, NewcomerPriority{seconds(5), seconds(10), milliseconds(300)});
    gate.connection_accepted(0);  // a newcomer that has not started, and never will in this test
    SECTION("due within the lead: at once") {
        PassTaker backlog(gate, steady_clock::now() + milliseconds(100));
        CHECK(wait_until([&] { return backlog.got(); }, milliseconds(2000)));
        CHECK(backlog.waited_ms() < 100);
    }
    SECTION("due later: it waits until the lead before it is due") {
        PassTaker backlog(gate, steady_clock::now() + milliseconds(700));
        CHECK(wait_until([&] { return backlog.got(); }, milliseconds(3000)));
        CHECK(backlog.waited_ms() >= 350);
        CHECK(backlog.waited_ms() < 1500);
    }
    SECTION("late already (a viewer that started live, or fell behind): at once") {
        PassTaker backlog(gate, steady_clock::time_point::min());
        CHECK(wait_until([&] { return backlog.got(); }, milliseconds(2000)));
        CHECK(backlog.waited_ms() < 100);
    }
}

// Holds the gate's only pass, on a thread of its own, until release().
class PassHolder {
public:
    explicit PassHolder(BacklogGate& gate)
        : thread_([this, &gate] {
              gate.write([this] {
                  holding_ = true;
                  while (!released_.load()) std::this_thread::sleep_for(milliseconds(1));
                  return true;
              });
          }) {
        while (!holding_.load()) std::this_thread::sleep_for(milliseconds(1));
    }
    ~PassHolder() {
        release();
        thread_.join();
    }
    void release() { released_ = true; }
    std::thread::id id() const { return thread_.get_id(); }

private:
    std::atomic<bool> holding_{false}, released_{false};
    std::thread thread_;
};

TEST_CASE("BacklogGate: queued writes run in due order", "[backlog_gate]") {
    BacklogGate gate(1);
    const auto now = steady_clock::now();
    std::vector<int> order;
    std::mutex order_mutex;
    std::vector<std::thread> writers;
    {
        PassHolder holder(gate);
        for (int seconds_ahead : {3, 1, 2}) {
            writers.emplace_back([&, seconds_ahead] {
                gate.write(now + seconds(seconds_ahead), [&] {
                    std::lock_guard<std::mutex> lock(order_mutex);
                    order.push_back(seconds_ahead);
                    return true;
                });
            });
            std::this_thread::sleep_for(milliseconds(50));  // queued in this order: 3, 1, 2
        }
    }
    for (auto& t : writers) t.join();
    CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("BacklogGate: the thread giving a pass back runs the next queued write, and its result reaches the writer", "[backlog_gate]") {
    BacklogGate gate(1);
    std::thread::id ran_on;
    bool result = true;
    std::thread writer;
    {
        PassHolder holder(gate);
        writer = std::thread([&] {
            result = gate.write([&] {
                ran_on = std::this_thread::get_id();
                return false;  // the viewer is gone
            });
        });
        std::this_thread::sleep_for(milliseconds(50));  // queued, asleep
        const std::thread::id holder_id = holder.id();
        holder.release();
        writer.join();
        CHECK(ran_on == holder_id);
    }
    CHECK_FALSE(result);
}

TEST_CASE("BacklogGate: a write that throws on another thread throws for its writer, and the pass is given back", "[backlog_gate]") {
    BacklogGate gate(1);
    bool threw = false;
    std::thread writer;
    {
        PassHolder holder(gate);
        writer = std::thread([&] {
            try {
                gate.write([]() -> bool { throw std::runtime_error("out of memory"); });
            } catch (const std::runtime_error&) {
                threw = true;
            }
        });
        std::this_thread::sleep_for(milliseconds(50));  // queued, asleep: the holder runs it
    }
    writer.join();
    CHECK(threw);
    bool ran = false;
    CHECK(gate.write([&] { return ran = true; }));
    CHECK(ran);
}
