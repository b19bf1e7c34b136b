// client_session.h - one viewer of the fake upstream: read its HTTP request, answer, play the file to it.
// Runs on that client's own thread; the Playout is shared read-only by all of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

enum class Pacing { pcr, bitrate, unpaced };

// What every client plays; built once at start-up, read-only afterwards.
struct Playout {
    std::string path;                  // the one URL path that serves the stream
    std::vector<uint8_t> packets;      // the file's whole, aligned packets
    uint64_t loop_duration_90khz = 0;  // timestamp advance per pass (TsLooper)
    Pacing pacing = Pacing::pcr;
    uint64_t bitrate_bps = 0;          // bitrate: the rate; pcr: for stretches without PCR (0 = unknown)
};

struct RequestLine {
    std::string method;
    std::string target;
};
// The request line of an HTTP/1.x request head (without its blank line); nullopt when malformed.
std::optional<RequestLine> parse_request_head(std::string_view head);

// Serves one accepted connection until the client leaves, fails, or the socket is shut down (which is
// how the server stops it; `stopping` only names the reason). Logs one line at the end. Never closes fd.
void serve_client(int fd, const std::string& client, const Playout& playout, const std::atomic<bool>& stopping);
