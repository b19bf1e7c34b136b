// hls_sessions.cpp - the session table: touch, count, sweep.
#include "server/pipeline/hls_sessions.h"

#include <algorithm>

bool HlsSessions::is_known(const std::string& address, const std::string& user, Clock::time_point now) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(Key(address, user));
    return it != sessions_.end() && now - it->second.last_seen <= idle_;
}

void HlsSessions::touch(const std::string& address, const std::string& user, Clock::time_point now,
                        std::shared_ptr<void> hold) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, fresh] = sessions_.try_emplace(Key(address, user));
    HlsSession& session = it->second;
    if (fresh) {
        session.hold = std::move(hold);
        session.address = address;
        session.user = user;
        session.since = std::chrono::system_clock::now();
        session.first_seen = now;
    }
    session.last_seen = std::max(session.last_seen, now);
    ++session.requests;
}

void HlsSessions::count_bytes(const std::string& address, const std::string& user, uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(Key(address, user));
    if (it != sessions_.end()) it->second.bytes += bytes;
}

void HlsSessions::end(const std::string& address, const std::string& user) {
    HlsSession ended;  // its hold goes after the lock, with it
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(Key(address, user));
    if (it == sessions_.end()) return;
    ended = std::move(it->second);
    sessions_.erase(it);
}

std::vector<HlsSession> HlsSessions::sweep(Clock::time_point now) {
    std::vector<HlsSession> ended;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (now - it->second.last_seen <= idle_) {
            ++it;
            continue;
        }
        ended.push_back(std::move(it->second));
        it = sessions_.erase(it);
    }
    return ended;
}

std::size_t HlsSessions::active(Clock::time_point now) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::count_if(sessions_.begin(), sessions_.end(), [&](const auto& entry) { return now - entry.second.last_seen <= idle_; });
}
