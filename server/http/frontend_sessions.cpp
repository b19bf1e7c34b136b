// frontend_sessions.cpp - the frontend's per-user session limit (user_sessions.h): one place per
// user and address for every TS viewer, relay viewer and HLS session.
#include <chrono>

#include "common/log.h"
#include "server/http/frontend_request.h"

using namespace std::chrono;

UserSessions::Admission HttpFrontend::open_user_session(const Site& site, const Request& request, UserSessions::Ender end) {
    const auto& limits = site.config().session_limits;
    const auto limit = limits.find(request.user);
    if (limit == limits.end()) return {};
    UserSessions::Admission place = user_sessions_.open(request.user, request.client_ip, limit->second, std::move(end), steady_clock::now());
    if (!place.allowed) LogLine(LogLevel::warn, "client_refused").kv("stream", request.info.path).kv("client", request.info.client)
        .kv("user", request.user).kv("reason", place.refusal);
    return place;
}
