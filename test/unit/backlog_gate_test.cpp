// backlog_gate_test.cpp - BacklogGate: no more threads inside than it has passes, and every
// waiting thread gets in once a pass is given back.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "server/backlog_gate.h"
#include "wait_until.h"

TEST_CASE("BacklogGate: at most `passes` threads hold a pass at once, and all get one in turn", "[backlog_gate]") {
    BacklogGate gate(2);
    std::atomic<int> inside{0}, most_inside{0}, done{0};
    std::atomic<bool> release{false};
    std::vector<std::thread> writers;
    for (int i = 0; i < 8; ++i)
        writers.emplace_back([&] {
            BacklogGate::Pass pass(gate);
            const int now = ++inside;
            for (int seen = most_inside.load(); now > seen && !most_inside.compare_exchange_weak(seen, now);) {}
            while (!release.load()) std::this_thread::yield();
            --inside;
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
