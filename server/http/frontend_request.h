// frontend_request.h - HttpFrontend::Request, one request as the frontend's handlers see it. Internal
// to the frontend's .cpp files (http_frontend.cpp, frontend_sessions.cpp).
#pragma once

#include <chrono>
#include <string>

#include "server/http/access_log.h"
#include "server/http/http_frontend.h"
#include "server/http/http_reply.h"

struct HttpFrontend::Request {
    HttpRequestInfo info;
    std::string peer_ip;                  // the socket's peer
    std::string client_ip;                // the peer, or the address a trusted proxy forwarded for
    std::string user;                     // set once authenticated
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point started_steady = std::chrono::steady_clock::now();

    AccessEntry access_entry(int status) const {
        using namespace std::chrono;
        AccessEntry e;
        e.start = started;
        e.client = info.client;
        if (client_ip != peer_ip) e.forwarded_for = client_ip;
        e.method = info.method;
        e.path = info.path;
        e.status = status;
        e.user = user;
        e.duration_s = duration_cast<microseconds>(steady_clock::now() - started_steady).count() / 1e6;
        return e;
    }
};
