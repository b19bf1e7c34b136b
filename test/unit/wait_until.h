// wait_until.h - polls a condition that another thread makes true, for unit tests of threaded parts.
#pragma once

#include <chrono>
#include <thread>

// True as soon as done() is; false once `limit` has passed without it.
template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}
