// acceptor.h - the accept loop of the HTTP server. It keeps a few descriptors in reserve: when accept()
// fails for lack of descriptors (EMFILE, ENFILE), one is given up to take the waiting connection, which
// is then answered 503 rather than left hanging in the listen backlog. Failures are logged at most once
// a second, with a count. Runs on the thread that calls run(); stop with the StopSignal given to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/net/unique_fd.h"

class Acceptor {
public:
    // Takes one accepted socket (non-blocking, close-on-exec) and owns it from then on. `on_reserve`:
    // accepted on a reserve descriptor, so the process is out of descriptors and the socket should be
    // answered and closed quickly.
    using Handler = std::function<void(UniqueFd socket, bool on_reserve)>;

    Acceptor(UniqueFd listener, int stop_fd);

    // Accepts until `stop_fd` is readable, then closes the listening socket.
    void run(const Handler& handle);

    // accept() failed for lack of descriptors less than a few seconds ago.
    bool descriptors_exhausted() const;
    uint64_t accept_failures() const { return failures_.load(std::memory_order_relaxed); }

private:
    // Opens reserve descriptors up to the target; each one that cannot be opened is tried again later.
    void refill_reserve();
    // Handles accept()'s failure `error`: may give up a reserve descriptor and accept once more.
    void accepted_nothing(int error, const Handler& handle);
    void note_failure(int error);
    // Logs the failures not logged yet, with their count.
    void log_failures();

    UniqueFd listener_;
    const int stop_fd_;
    std::vector<UniqueFd> reserve_;
    std::atomic<uint64_t> failures_{0};
    std::atomic<std::chrono::steady_clock::rep> last_exhausted_{0};  // steady_clock ticks; 0 = never
    // The accept_failed line: at most one a second, and one more after the last failure of a burst.
    uint64_t unlogged_failures_ = 0;
    int last_error_ = 0;
    std::chrono::steady_clock::time_point last_logged_{};
};
