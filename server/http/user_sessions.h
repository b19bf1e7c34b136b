// user_sessions.h - UserSessions: the per-user session limit ("maxsessions" in the userlist),
// across every stream, relay and HLS output. Any thread, under one short mutex; a session's
// Ticket (RAII) gives its place back when the session ends.
//
// The counting rule: a user's sessions are counted by client address. All open sessions of a user
// from one address (TS viewers and HLS sessions, of any stream) take one place, and a place stays
// held for kReconnectGrace after its last session ended. So a player that reconnects from the same
// address, before or shortly after the server saw its old connection end, does not count twice,
// and another address cannot take the place in between. A new address beyond the limit is refused
// (429), or with "evict": "oldest" the place opened first is taken from the user: its sessions are
// ended with a logged reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.h"

class UserSessions {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kReconnectGrace{5};
    // Ends one session, e.g. disconnects its viewer. Called on the thread that evicts, never under the lock.
    using Ender = std::function<void(const std::string& reason)>;

    class Ticket;
    struct Admission {
        bool allowed = true;
        std::shared_ptr<Ticket> ticket;  // null when refused or not counted (no user, no limit)
        std::string refusal;             // when refused: the 429's body and the log's reason
    };

    UserSessions();
    // A new session of `user` from `address`; `end` ends it if it is evicted. Refused, counted, or
    // (with no user or no limit) allowed without counting.
    Admission open(const std::string& user, const std::string& address, SessionLimit limit, Ender end, Clock::time_point now);
    // The places `user` holds now (open or within the grace).
    std::size_t places(const std::string& user, Clock::time_point now) const;

private:
    struct Place {
        uint64_t id = 0;
        std::string address;
        Clock::time_point opened;
        Clock::time_point last_closed;       // when its last session ended
        std::map<uint64_t, Ender> sessions;  // by session id
    };
    struct State {
        mutable std::mutex mutex;
        std::map<std::string, std::vector<Place>> users;
        uint64_t next_id = 1;
        void close(const std::string& user, uint64_t place, uint64_t session, Clock::time_point now);
        void expire(std::vector<Place>& places, Clock::time_point now) const;
    };
    const std::shared_ptr<State> state_;

public:
    class Ticket {
    public:
        Ticket(std::weak_ptr<State> state, std::string user, uint64_t place, uint64_t session)
            : state_(std::move(state)), user_(std::move(user)), place_(place), session_(session) {}
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;

    private:
        std::weak_ptr<State> state_;
        std::string user_;
        uint64_t place_, session_;
    };
};

// The end of a session whose object exists only once its place is taken (a viewer is admitted
// after the limit let it in): ender() may run on any thread, before or after set(); an eviction
// that comes first ends the object as set() receives it. T has disconnect(reason), callable from
// any thread.
template <typename T>
class DeferredEnd {
public:
    UserSessions::Ender ender() const {
        return [state = state_](const std::string& reason) {
            std::lock_guard<std::mutex> lock(state->mutex);
            if (auto target = state->target.lock()) target->disconnect(reason);
            else if (!state->reason) state->reason = reason;
        };
    }
    void set(const std::shared_ptr<T>& target) {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->target = target;
        if (state_->reason && target) target->disconnect(*state_->reason);
    }

private:
    struct State {
        std::mutex mutex;
        std::weak_ptr<T> target;
        std::optional<std::string> reason;
    };
    const std::shared_ptr<State> state_ = std::make_shared<State>();
};
