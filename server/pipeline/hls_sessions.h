// hls_sessions.h - HlsSessions: the HLS clients of one stream. HLS has no connection per viewer: a
// session is a client address and user seen within the last `idle` (three target durations), so
// that HLS viewers count as viewers and get one access-log line each when they stop. Any thread,
// under one short mutex; there is no timer: ended sessions are collected when the next request
// (or statistics read) sweeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

struct HlsSession {
    std::string address;  // the client's IP (no port: a player opens a new connection at will)
    std::string user;     // empty unless authenticated
    std::chrono::system_clock::time_point since;
    std::chrono::steady_clock::time_point first_seen, last_seen;
    uint64_t requests = 0;
    uint64_t bytes = 0;
    std::shared_ptr<void> hold;  // held while the session lives: its place in the user's session limit
};

class HlsSessions {
public:
    using Clock = std::chrono::steady_clock;
    explicit HlsSessions(std::chrono::milliseconds idle) : idle_(idle) {}

    // Whether the client has a live session (a request of it would not open a new one).
    bool is_known(const std::string& address, const std::string& user, Clock::time_point now) const;
    // Records a request, opening a session when the client has none; a new session keeps `hold`.
    void touch(const std::string& address, const std::string& user, Clock::time_point now,
               std::shared_ptr<void> hold = nullptr);
    // Ends the client's session now (evicted by the user's session limit); its next request opens a new one.
    void end(const std::string& address, const std::string& user);
    void count_bytes(const std::string& address, const std::string& user, uint64_t bytes);
    // Removes and returns the sessions idle for longer than `idle`.
    std::vector<HlsSession> sweep(Clock::time_point now);
    // Live sessions.
    std::size_t active(Clock::time_point now) const;

private:
    using Key = std::pair<std::string, std::string>;
    const std::chrono::milliseconds idle_;
    mutable std::mutex mutex_;
    std::map<Key, HlsSession> sessions_;
};
