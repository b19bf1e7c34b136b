// process_limits_test.cpp - the process's futex hash becomes the global one (on kernels that have
// private ones), even after threads have made the kernel give the process a private hash.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "server/service/process_limits.h"

TEST_CASE("use_global_futex_hash: the process leaves its private futex hash for the global one", "[process_limits]") {
    if (futex_hash_slots() < 0) {
        CHECK_FALSE(use_global_futex_hash());  // before Linux 6.16: nothing to change
        return;
    }
    std::vector<std::thread> threads;  // a process with threads gets a private hash
    for (int i = 0; i < 8; ++i) threads.emplace_back([] {});
    for (auto& t : threads) t.join();
    CHECK(use_global_futex_hash());
    CHECK(futex_hash_slots() == 0);
}
