// client_session.h - one viewer of the fake upstream: read its HTTP request, answer, play the file to it.
// Runs on that client's own thread; the Playout is shared read-only by all of them.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "source/playout.h"

struct RequestLine {
    std::string method;
    std::string target;
};
// The request line of an HTTP/1.x request head (without its blank line); nullopt when malformed.
std::optional<RequestLine> parse_request_head(std::string_view head);

// Serves one accepted connection until the client leaves, fails, or the socket is shut down (which is
// how the server stops it; `stopping` only names the reason). Logs one line at the end. Never closes fd.
void serve_client(int fd, const std::string& client, const Playout& playout, const std::atomic<bool>& stopping);
