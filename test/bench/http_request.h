// http_request.h - the bench's blocking socket helpers for its control paths (is the stream up? the
// floor's upstream, the live-edge tap and viewer): one HTTP/1.1 request up to its response head, and a
// listening socket. The load clients use their own non-blocking code. Any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/net/http_message.h"
#include "common/net/unique_fd.h"

// Connects, sends `method target` with Connection: close, reads and parses the head. Returns the
// socket, the head and the body bytes read past it; an invalid fd and `error` when any step failed.
UniqueFd http_request(const std::string& host, uint16_t port, const std::string& method, const std::string& target,
                      std::chrono::milliseconds timeout, HttpResponseHead& head, std::vector<uint8_t>& body_start,
                      std::string& error);

// GET `target` and its whole body (by Content-Length); false with `error` when any step failed.
bool http_get(const std::string& host, uint16_t port, const std::string& target, std::chrono::milliseconds timeout,
              HttpResponseHead& head, std::vector<uint8_t>& body, std::string& error);

// A listening TCP socket on HOST:PORT (port 0: any), non-blocking; `bound` gets the address it got.
// An invalid fd and `error` when it could not be made.
UniqueFd listen_on(const std::string& address, std::string& bound, std::string& error);
