// client_session.cpp - the request head read under a deadline, the responses, and the paced send loop.
// Everything here runs on the client's own thread.
#include "source/client_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/log.h"
#include "common/ts/ts_packet.h"
#include "source/pcr_pacer.h"
#include "source/ts_looper.h"

namespace {
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr auto kRequestTimeout = std::chrono::seconds(5);
// A viewer that cannot take one batch in this time is dropped rather than holding its thread forever.
// A deadline per batch, not SO_SNDTIMEO: that restarts on every byte a trickling reader takes.
constexpr auto kSendTimeout = std::chrono::seconds(10);
constexpr std::size_t kUnpacedBatchPackets = 512;  // about 94 KB per write

struct Session {
    int fd;
    const std::atomic<bool>& stopping;
    std::string method;
    std::string target;
    int status = 0;
    uint64_t bytes = 0;  // stream bytes sent, headers not counted
    std::string reason;

    // Names the end of a connection that the peer or the shutdown closed.
    void end_closed() { reason = stopping.load() ? "server_stopping" : "client_closed"; }
    void end_error(const char* what, int err) { reason = std::string(what) + ": " + std::strerror(err); }
};

enum class Wait { deadline, ready, failed };

// Sleeps until the deadline or until `events` (POLLIN, POLLOUT) are ready; a peer that closes or a
// shutdown of the socket counts as ready for POLLIN, and the next recv/send tells which.
Wait wait_until(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0) return Wait::deadline;
        timespec timeout{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
        pollfd pfd{fd, events, 0};
        int n = ::ppoll(&pfd, 1, &timeout, nullptr);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Wait::failed;
        if (n == 0) return Wait::deadline;
        return (pfd.revents & events) ? Wait::ready : Wait::failed;
    }
}

bool send_all(Session& s, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    const auto deadline = Clock::now() + kSendTimeout;
    while (size > 0) {
        ssize_t n = ::send(s.fd, p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // On failed, the next send reports the socket's error.
            if (wait_until(s.fd, POLLOUT, deadline) != Wait::deadline) continue;
            s.reason = "send_timeout";
            return false;
        }
        if (n < 0) {
            if (errno == EPIPE || errno == ECONNRESET) s.end_closed();
            else s.end_error("send", errno);
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Returns the request head without its blank line, or nullopt with status/reason set.
std::optional<std::string> read_request_head(Session& s) {
    std::string head;
    char buf[2048];
    auto deadline = Clock::now() + kRequestTimeout;
    for (;;) {
        for (const char* end : {"\r\n\r\n", "\n\n"}) {
            std::size_t at = head.find(end);
            if (at != std::string::npos) return head.substr(0, at);
        }
        if (head.size() >= kMaxRequestBytes) {
            s.status = 431;
            s.reason = "request_too_large";
            return std::nullopt;
        }
        Wait w = wait_until(s.fd, POLLIN, deadline);
        if (w == Wait::deadline) {
            s.status = 408;
            s.reason = "request_timeout";
            return std::nullopt;
        }
        ssize_t n = w == Wait::ready ? ::recv(s.fd, buf, std::min(sizeof buf, kMaxRequestBytes - head.size()), 0) : 0;
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            s.end_error("recv", errno);
            return std::nullopt;
        }
        if (n == 0) {
            s.end_closed();
            return std::nullopt;
        }
        head.append(buf, static_cast<std::size_t>(n));
    }
}

// The path of a request target, without query and, for the absolute form, without scheme and authority.
std::string_view target_path(std::string_view target) {
    std::size_t scheme = target.find("://");
    if (target.substr(0, 1) != "/" && scheme != std::string_view::npos) {
        std::size_t slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    return target.substr(0, target.find_first_of("?#"));
}

const char* status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

// An error answer with a short plain-text body (none for HEAD).
void send_error(Session& s) {
    std::string body = std::to_string(s.status) + " " + status_text(s.status) + "\n";
    std::string response = "HTTP/1.1 " + std::to_string(s.status) + " " + status_text(s.status) +
                           "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n";
    if (s.status == 405) response += "Allow: GET, HEAD\r\n";
    response += "\r\n";
    if (s.method != "HEAD") response += body;
    if (send_all(s, response.data(), response.size())) s.reason = "answered";
}

// Sleeps until the batch is due; data the client sends meanwhile is discarded, its close ends the session.
bool wait_for_due(Session& s, Clock::time_point due) {
    char scratch[512];
    for (;;) {
        Wait w = wait_until(s.fd, POLLIN, due);
        if (w == Wait::deadline) return true;
        ssize_t n = w == Wait::ready ? ::recv(s.fd, scratch, sizeof scratch, MSG_DONTWAIT) : 0;
        if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN))) continue;
        if (n == 0 || errno == ECONNRESET) s.end_closed();
        else s.end_error("recv", errno);
        return false;
    }
}

// Plays the file in a loop, one write per batch, until the client goes away.
void stream_file(Session& s, const Playout& playout) {
    std::optional<PcrPacer> pacer;
    if (playout.pacing == Pacing::pcr) pacer = PcrPacer::from_pcr(playout.bitrate_bps);
    if (playout.pacing == Pacing::bitrate) pacer = PcrPacer::from_bitrate(playout.bitrate_bps);
    const std::size_t batch_limit = pacer ? PcrPacer::kMaxBatchPackets : kUnpacedBatchPackets;
    std::vector<uint8_t> batch(batch_limit * ts::kPacketSize);
    TsLooper looper(playout.loop_duration_90khz);
    const std::vector<uint8_t>& file = playout.packets;
    std::size_t pos = 0;
    while (!s.stopping.load(std::memory_order_relaxed)) {
        std::size_t n = 0;
        std::optional<Clock::time_point> due;
        const auto now = Clock::now();
        while (n < batch_limit && !due) {
            if (pos == file.size()) {
                pos = 0;
                looper.start_next_loop();
            }
            uint8_t* packet = batch.data() + n * ts::kPacketSize;
            std::memcpy(packet, file.data() + pos, ts::kPacketSize);
            pos += ts::kPacketSize;
            ++n;
            looper.rewrite(packet);
            if (pacer) due = pacer->on_packet(packet, now);
        }
        if (due && !wait_for_due(s, *due)) return;
        if (!send_all(s, batch.data(), n * ts::kPacketSize)) return;
        s.bytes += n * ts::kPacketSize;
    }
    s.end_closed();
}
}  // namespace

std::optional<RequestLine> parse_request_head(std::string_view head) {
    std::size_t eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return std::nullopt;
    RequestLine request{std::string(line.substr(0, sp1)), std::string(line.substr(sp1 + 1, sp2 - sp1 - 1))};
    std::string_view version = line.substr(sp2 + 1);
    if (request.method.empty() || request.target.empty() || version.substr(0, 7) != "HTTP/1.") return std::nullopt;

    // Header lines are not used, but each must be "name: value".
    while (eol != std::string_view::npos) {
        head.remove_prefix(eol + 1);
        eol = head.find('\n');
        std::string_view header = head.substr(0, eol);
        if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
        std::size_t colon = header.find(':');
        if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    }
    return request;
}

void serve_client(int fd, const std::string& client, const Playout& playout, const std::atomic<bool>& stopping) {
    Session s{fd, stopping, {}, {}, 0, 0, {}};
    const auto started = Clock::now();

    if (auto head = read_request_head(s)) {
        auto request = parse_request_head(*head);
        if (request) {
            s.method = request->method;
            s.target = request->target;
        }
        if (!request) s.status = 400;
        else if (target_path(s.target) != playout.path) s.status = 404;
        else if (s.method != "GET" && s.method != "HEAD") s.status = 405;
        else s.status = 200;
    }

    if (s.status == 200) {
        static const char kHeader[] =
            "HTTP/1.1 200 OK\r\nContent-Type: video/mpeg\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
        if (send_all(s, kHeader, sizeof kHeader - 1)) {
            if (s.method == "GET") stream_file(s, playout);
            else s.reason = "answered";
        }
    } else if (s.status != 0) {
        send_error(s);
    }

    auto seconds = std::chrono::duration<double>(Clock::now() - started).count();
    LogLine(LogLevel::info, "client_disconnected")
        .kv("client", client)
        .kv("method", s.method.empty() ? "-" : s.method)
        .kv("target", s.target.empty() ? "-" : s.target)
        .kv("status", s.status)
        .kv("bytes", s.bytes)
        .kv("seconds", static_cast<uint64_t>(seconds * 1000) / 1000.0)
        .kv("reason", s.reason);
}
