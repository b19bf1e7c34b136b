// user_sessions.cpp - places per user and address, the reconnect grace, refusal or eviction.
#include "server/http/user_sessions.h"

#include <algorithm>

#include "common/log.h"

UserSessions::UserSessions() : state_(std::make_shared<State>()) {}

UserSessions::Ticket::~Ticket() {
    if (auto state = state_.lock()) state->close(user_, place_, session_, Clock::now());
}

void UserSessions::State::close(const std::string& user, uint64_t place, uint64_t session, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = users.find(user);
    if (it == users.end()) return;
    for (Place& p : it->second) {
        if (p.id != place) continue;
        p.sessions.erase(session);
        if (p.sessions.empty()) p.last_closed = now;
    }
}

// Places whose last session ended longer ago than the grace are free again.
void UserSessions::State::expire(std::vector<Place>& places, Clock::time_point now) const {
    places.erase(std::remove_if(places.begin(), places.end(),
                                [now](const Place& p) { return p.sessions.empty() && now - p.last_closed >= kReconnectGrace; }),
                 places.end());
}

UserSessions::Admission UserSessions::open(const std::string& user, const std::string& address, SessionLimit limit,
                                           Ender end, Clock::time_point now) {
    if (user.empty() || limit.max == 0) return Admission{};
    std::map<uint64_t, Ender> evicted;
    std::string evicted_address;
    Admission admission;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        std::vector<Place>& places = state_->users[user];
        state_->expire(places, now);
        auto place = std::find_if(places.begin(), places.end(), [&](const Place& p) { return p.address == address; });
        const bool known = place != places.end();
        if (!known && places.size() >= limit.max) {
            if (!limit.evict_oldest) {
                return Admission{false, nullptr, "maxsessions " + std::to_string(limit.max) + " reached for user " + user};
            }
            auto oldest = std::min_element(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.opened < b.opened; });
            evicted = std::move(oldest->sessions);
            evicted_address = oldest->address;
            places.erase(oldest);
        }
        if (!known) {
            places.push_back(Place{state_->next_id++, address, now, now, {}});
            place = places.end() - 1;
        }
        const uint64_t session = state_->next_id++;
        place->sessions.emplace(session, std::move(end));
        admission.ticket = std::make_shared<Ticket>(state_, user, place->id, session);
    }
    if (!evicted_address.empty()) {
        const std::string reason = "maxsessions " + std::to_string(limit.max) + " of user " + user +
                                   ": evicted by a newer session from " + address;
        LogLine(LogLevel::warn, "session_evicted").kv("user", user).kv("address", evicted_address)
            .kv("sessions", evicted.size()).kv("reason", reason);
        for (auto& [id, ender] : evicted)
            if (ender) ender(reason);
    }
    return admission;
}

std::size_t UserSessions::places(const std::string& user, Clock::time_point now) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto it = state_->users.find(user);
    if (it == state_->users.end()) return 0;
    return std::count_if(it->second.begin(), it->second.end(),
                         [now](const Place& p) { return !p.sessions.empty() || now - p.last_closed < kReconnectGrace; });
}
