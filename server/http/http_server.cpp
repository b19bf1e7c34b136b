// http_server.cpp - one connection's keep-alive loop, and the response headers that loop relies on.
#include "server/http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/net/http_message.h"
#include "common/text.h"
#include "server/http/connection_threads.h"
#include "server/http/liveness_probe.h"
#include "server/http/socket_stream.h"

using namespace std::chrono;

namespace {
// A client whose heads are refused is logged once a minute with a count: 3000 trickling sockets from
// one address are one line, and a flood from many addresses cannot grow the map past this.
constexpr auto kRefusalLogInterval = minutes(1);
constexpr std::size_t kRefusalLogAddresses = 4096;
// A connection on a reserve descriptor holds one of the few that let the server answer at all.
constexpr milliseconds kReserveHeadTimeout{1000};

// After refusing a head, how long and how much of what the client still sends is read and dropped.
constexpr milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 1024 * 1024;

thread_local bool t_on_reserve = false;

// Whether this connection closes after the response being written. Set by the two hooks below and
// read by the keep-alive loop, all on the connection's own thread: process_request returns nothing
// of the response.
thread_local bool t_close_after_response = false;
// The request's Range field, hidden from httplib, and whether its handler answered ranges itself.
thread_local std::string t_range_field;
thread_local bool t_ranges_answered = false;

// RFC 9110 section 5.6.7's IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[40];
    return std::string(text, std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc));
}

// A comma-separated field (Connection) lists `token`, compared without case.
bool lists_token(const httplib::Headers& headers, const char* name, std::string_view token) {
    const auto [first, last] = headers.equal_range(name);
    for (auto it = first; it != last; ++it) {
        const std::string value = to_lower(it->second);
        for (std::size_t start = 0; start <= value.size();) {
            std::size_t end = value.find(',', start);
            if (end == std::string::npos) end = value.size();
            std::string_view item(value.data() + start, end - start);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (item == token) return true;
            start = end + 1;
        }
    }
    return false;
}

// Runs once the head is parsed, before routing.
void setup_request(httplib::Request& req) {
    // httplib takes the whole URL of an absolute-form target (RFC 9112 section 3.2.2, which a server
    // must accept) for the path. The query it parsed from it is right already.
    if (std::optional<std::string_view> path = absolute_form_path(req.target))
        req.path = httplib::detail::decode_url(std::string(*path), false);
    const bool keep_alive = req.version == "HTTP/1.1" ? !lists_token(req.headers, "Connection", "close")
                                                      : lists_token(req.headers, "Connection", "keep-alive");
    // A body the handler has not read would be taken for the next request, and the frontend's
    // handler answers before httplib's router could read one.
    const bool has_body = req.has_header("Transfer-Encoding") ||
                          (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
    t_close_after_response = !keep_alive || has_body;
}

// Runs after httplib has added its own headers, just before they are written.
void finish_headers(const httplib::Request& req, httplib::Response& res) {
    // 400 is httplib's answer to a head it could not parse, and the rest of that head is unread.
    const bool close = t_close_after_response || res.status == 400 || lists_token(res.headers, "Connection", "close");
    // httplib says "bytes" on HEAD only; serve_one hides Range from it.
    res.headers.erase("Accept-Ranges");
    res.set_header("Accept-Ranges", t_ranges_answered ? "bytes" : "none");
    res.set_header("Date", http_date());
    // httplib adds Keep-Alive whenever the request did not say close, even next to a handler's
    // Connection: close (RFC 9112 section 9.6: close means this is the last response).
    if (close) {
        res.headers.erase("Connection");
        res.headers.erase("Keep-Alive");
        res.set_header("Connection", "close");
    } else if (req.version == "HTTP/1.0") {
        res.set_header("Connection", "keep-alive");
    }
    t_close_after_response = close;
}

// Closing with unread input would reset the connection, and the client could lose the last reply.
void linger_briefly(SocketStream& stream) { stream.linger(SocketStream::Clock::now() + kLingerTime, kLingerBytes); }

}  // namespace

HttpServer::HttpServer(UniqueFd listener) : refusal_log_(kRefusalLogInterval, kRefusalLogAddresses) {
    set_post_routing_handler(finish_headers);
    // An HLS player asks for a playlist and a segment every segment duration on one connection;
    // httplib's 5 would make it reconnect every few seconds. nginx's keepalive_requests was 100 for
    // years; idle connections still end after the request timeout.
    set_keep_alive_max_count(kKeepAliveRequests);
    // httplib ends every content provider once svr_sock_ is invalid, which it is until a listen of its
    // own. httplib only compares it; the Acceptor owns (and closes) the socket.
    svr_sock_ = listener.get();
    acceptor_ = std::make_unique<Acceptor>(std::move(listener), stop_.fd());
}

HttpServer::~HttpServer() { svr_sock_ = INVALID_SOCKET; }

bool HttpServer::serving_on_reserve() { return t_on_reserve; }

const std::string& HttpServer::range_field() { return t_range_field; }

void HttpServer::answer_ranges() { t_ranges_answered = true; }

void HttpServer::run(std::size_t max_threads) {
    ConnectionThreads threads(max_threads);
    acceptor_->run([this, &threads](UniqueFd socket, bool on_reserve) {
        // A std::function must be copyable: the task owns the descriptor by hand and closes it.
        const int fd = socket.release();
        threads.enqueue([this, fd, on_reserve] { serve_connection(fd, on_reserve); });
    });
    threads.shutdown();
}

void HttpServer::stop() {
    svr_sock_ = INVALID_SOCKET;  // ends every content provider at its next call
    stop_.signal();
}

void HttpServer::serve_connection(int fd, bool on_reserve) {
    const auto read_timeout = duration_cast<milliseconds>(seconds(read_timeout_sec_) + microseconds(read_timeout_usec_));
    const auto write_timeout = duration_cast<milliseconds>(seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
    SocketStream stream(fd, stop_.fd(), read_timeout, write_timeout);
    SocketStream::set_of_this_thread(&stream);
    t_on_reserve = on_reserve;
    const milliseconds wait = on_reserve ? kReserveHeadTimeout : milliseconds(request_timeout_ms_.load());
    const std::size_t max_requests = on_reserve ? 1 : keep_alive_max_count_;
    for (std::size_t served = 0; served < max_requests && !is_stopping(); ++served)
        if (!serve_one(stream, wait, served + 1 == max_requests)) break;
    t_on_reserve = false;
    SocketStream::set_of_this_thread(nullptr);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
}

void HttpServer::refuse(SocketStream& stream, const char* status_line, const std::string& reason) {
    std::string ip;
    int port = 0;
    stream.get_remote_ip_and_port(ip, port);
    if (const uint64_t count = refusal_log_.admit(ip))
        LogLine(LogLevel::warn, "client_refused").kv("client", join_host_port(ip, port)).kv("reason", reason).kv("count", count);
    const std::string reply = std::string("HTTP/1.1 ") + status_line + "\r\nAccept-Ranges: none\r\nConnection: close\r\n" +
                              "Content-Length: 0\r\nDate: " + http_date() + "\r\n\r\n";
    if (stream.write(reply.data(), reply.size()) == static_cast<ssize_t>(reply.size())) linger_briefly(stream);
}

bool HttpServer::serve_one(SocketStream& stream, milliseconds wait, bool last) {
    switch (stream.read_head(kMaxHeadBytes, SocketStream::Clock::now() + wait)) {
    case SocketStream::HeadResult::complete: break;
    case SocketStream::HeadResult::too_large:
        refuse(stream, "431 Request Header Fields Too Large", "request head over " + std::to_string(kMaxHeadBytes) + " bytes");
        return false;
    case SocketStream::HeadResult::timed_out:
        // Silence after a response is the usual end of a keep-alive connection; a part of a head is a
        // slow or hostile client.
        if (stream.buffered() > 0)
            refuse(stream, "408 Request Timeout", "request head incomplete after " + std::to_string(wait.count()) + " ms");
        return false;
    case SocketStream::HeadResult::closed:
    case SocketStream::HeadResult::stopped: return false;
    }
    if (stream.head().rfind("OPTIONS * ", 0) == 0) {
        // The server-wide no-op (RFC 9110 section 9.3.7): the systemd watchdog's probe
        // (liveness_probe.h), answered here so that it is neither routed nor logged.
        const std::string reply = std::string(kLivenessProbeStatusLine) + "Allow: GET, HEAD, POST, OPTIONS\r\n" +
                                  "Connection: close\r\nContent-Length: 0\r\nDate: " + http_date() + "\r\n\r\n";
        stream.write(reply.data(), reply.size());
        return false;
    }
    // Every answer is the whole representation (RFC 9110 section 14.2 lets a server ignore Range): a
    // live stream has no byte positions to ask for, and httplib's answers to Range are wrong (206
    // without Content-Range from a provider, Content-Range next to 200 on a body, 416 for a value its
    // regex cannot parse, before any hook of ours runs). So httplib never sees the field.
    // A handler that answers ranges itself (HLS segments: a known length) reads the field here.
    t_range_field = stream.remove_field("range");
    t_ranges_answered = false;
    t_close_after_response = false;
    bool closed_by_httplib = false;  // httplib's own reading of Connection; setup_request's decides
    // `last` makes httplib write Connection: close, which finish_headers then sees.
    const bool written = process_request(stream, last || is_stopping(), closed_by_httplib, setup_request);
    if (!written) return false;
    // An unread body or pipelined requests past the last one.
    if (t_close_after_response && stream.has_unread_input()) linger_briefly(stream);
    return !t_close_after_response;
}
