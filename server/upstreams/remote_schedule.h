// remote_schedule.h - which remote of a stream to try next, and when.
// Remotes are tried in a random order fixed at start-up; after a failure the next one is tried at once;
// a remote that keeps failing waits reconnect * 2^(failures-1), capped, so a dead encoder is not hammered.
// Pure and single-threaded: owned by the stream's reader thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

class RemoteSchedule {
public:
    using Clock = std::chrono::steady_clock;

    // `order` is the order of trial (a permutation of the remote indices).
    RemoteSchedule(std::vector<std::size_t> order, std::chrono::milliseconds reconnect,
                   std::chrono::milliseconds max_backoff);
    // A random order of `count` remotes.
    static std::vector<std::size_t> shuffled_order(std::size_t count, uint32_t seed);
    // The order written (`"order": "listed"`): 0, 1, ... count - 1.
    static std::vector<std::size_t> listed_order(std::size_t count);

    struct Next {
        std::optional<std::size_t> remote;  // try this remote now
        Clock::duration wait{};             // or sleep this long first
        bool offline = false;               // reconnect is 0 and every remote failed: give up
    };
    Next next(Clock::time_point now) const;

    // A remote other than `current` that may be tried now (a failover while `current` still
    // delivers), in the order of trial from the cursor; nullopt when every other one is backing off.
    std::optional<std::size_t> next_other(std::size_t current, Clock::time_point now) const;

    void report_failure(std::size_t remote, Clock::time_point now);
    // The remote delivered packets: its backoff starts over.
    void report_success(std::size_t remote);

private:
    struct RemoteState {
        uint32_t failures = 0;
        Clock::time_point retry_at{};
    };
    std::vector<std::size_t> order_;
    std::vector<RemoteState> states_;  // indexed by remote
    std::chrono::milliseconds reconnect_;
    std::chrono::milliseconds max_backoff_;
    std::size_t cursor_ = 0;  // position in order_ of the next remote to try
};
