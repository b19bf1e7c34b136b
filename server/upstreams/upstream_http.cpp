// upstream_http.cpp - http:// and https:// upstreams: GET with redirects (across both schemes), Basic
// credentials, status check, identity or chunked body, over a plain socket or TLS.
#include <cstring>
#include <optional>
#include <vector>

#include "common/config/credentials.h"
#include "common/net/http_message.h"
#include "common/net/net.h"
#include "server/upstreams/tls_connection.h"
#include "server/upstreams/upstream.h"

namespace {
constexpr std::size_t kMaxHeadBytes = 16 * 1024;
constexpr int kMaxRedirects = 5;
constexpr const char* kUserAgent = "restreamer-cpp/0.1";

// The bytes the HTTP exchange runs over: the socket itself, or TLS on top of it.
class Transport {
public:
    explicit Transport(UniqueFd fd) : fd_(std::move(fd)) {}
    explicit Transport(std::unique_ptr<TlsConnection> tls) : tls_(std::move(tls)) {}

    long read(void* buf, std::size_t len, int stop_fd, std::chrono::milliseconds timeout, std::string& error) {
        if (tls_) return tls_->read(buf, len, stop_fd, timeout, error);
        return read_with_deadline(fd_.get(), buf, len, stop_fd, timeout, error);
    }
    bool write_all(const void* data, std::size_t len, int stop_fd, std::chrono::milliseconds timeout,
                   std::string& error) {
        if (tls_) return tls_->write_all(data, len, stop_fd, timeout, error);
        return ::write_all(fd_.get(), data, len, stop_fd, timeout, error);
    }

private:
    UniqueFd fd_;                         // http
    std::unique_ptr<TlsConnection> tls_;  // https; owns its socket
};

class HttpUpstream : public Upstream {
public:
    HttpUpstream(Transport transport, const UpstreamOptions& options, bool chunked, std::vector<uint8_t> body_start)
        : Upstream(options), transport_(std::move(transport)), chunked_(chunked), pending_(std::move(body_start)) {}

    long read(uint8_t* buf, std::size_t len) override {
        while (pending_offset_ == pending_.size()) {
            pending_.clear();
            pending_offset_ = 0;
            if (decoder_done_) return 0;
            long n = transport_.read(buf, len, options_.stop_fd, options_.read_timeout, error_);
            if (n <= 0 || !chunked_) return n;
            switch (decoder_.feed(buf, static_cast<std::size_t>(n), pending_)) {
            case ChunkedDecoder::Status::more: break;
            case ChunkedDecoder::Status::done: decoder_done_ = true; break;
            case ChunkedDecoder::Status::error: error_ = "chunked body: " + decoder_.error(); return -1;
            }
        }
        std::size_t take = std::min(len, pending_.size() - pending_offset_);
        std::memcpy(buf, pending_.data() + pending_offset_, take);
        pending_offset_ += take;
        return static_cast<long>(take);
    }

    // The bytes after the head arrived with it; they are still encoded when the body is chunked.
    void decode_initial_bytes() {
        if (!chunked_ || pending_.empty()) return;
        std::vector<uint8_t> raw;
        raw.swap(pending_);
        if (decoder_.feed(raw.data(), raw.size(), pending_) == ChunkedDecoder::Status::done) decoder_done_ = true;
    }

private:
    Transport transport_;
    bool chunked_;
    ChunkedDecoder decoder_;
    bool decoder_done_ = false;
    std::vector<uint8_t> pending_;  // decoded bytes not yet handed out
    std::size_t pending_offset_ = 0;
};

// Bounds the handshake and sending the request when no connect timeout is configured.
std::chrono::milliseconds exchange_timeout(const UpstreamOptions& options) {
    if (options.connect_timeout.count() > 0) return options.connect_timeout;
    return std::chrono::milliseconds(10000);
}

// A server that accepts but never answers must not hold the reader forever, even with readtimeout 0.
std::chrono::milliseconds head_timeout(const UpstreamOptions& options) {
    if (options.read_timeout.count() > 0) return options.read_timeout;
    return exchange_timeout(options);
}

uint16_t default_port(UpstreamUrl::Scheme scheme) {
    return scheme == UpstreamUrl::Scheme::https ? 443 : 80;
}

std::optional<Transport> connect_transport(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error) {
    UniqueFd fd = connect_tcp(url.host, url.port, options.stop_fd, options.connect_timeout, error);
    if (!fd) return std::nullopt;
    if (url.scheme == UpstreamUrl::Scheme::http) return Transport(std::move(fd));
    auto tls = TlsConnection::open(std::move(fd), url.host, url.port, options.tls_verify, options.stop_fd,
                                   exchange_timeout(options), error);
    if (!tls) return std::nullopt;
    return Transport(std::move(tls));
}

std::string build_request(const UpstreamUrl& url) {
    const std::string host = url.port == default_port(url.scheme)
                                 ? (url.is_ipv6_literal() ? "[" + url.host + "]" : url.host)
                                 : join_host_port(url.host, url.port);
    std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + kUserAgent +
                          "\r\nAccept: */*\r\nConnection: close\r\n";
    if (auto credentials = credentials_from_userinfo(url.userinfo)) {
        request += "Authorization: " + basic_authorization(*credentials) + "\r\n";
    }
    return request + "\r\n";
}

// Reads until the blank line that ends the head; the bytes after it go to `rest`.
bool read_head(Transport& transport, const UpstreamOptions& options, std::string& head, std::vector<uint8_t>& rest,
               std::string& error) {
    char buf[4096];
    std::string data;
    for (;;) {
        long n = transport.read(buf, sizeof buf, options.stop_fd, head_timeout(options), error);
        if (n < 0) return error = "reading response head: " + error, false;
        if (n == 0) return error = "connection closed before the response head", false;
        data.append(buf, static_cast<std::size_t>(n));
        std::size_t end = data.find("\r\n\r\n");
        std::size_t sep = 4;
        if (end == std::string::npos) end = data.find("\n\n"), sep = 2;
        if (end != std::string::npos) {
            head = data.substr(0, end);
            rest.assign(data.begin() + static_cast<long>(end + sep), data.end());
            return true;
        }
        if (data.size() > kMaxHeadBytes) return error = "response head larger than 16 KiB", false;
    }
}

// Resolves a Location header against the current URL. Credentials go along only to the same
// scheme, host and port, as browsers and curl do.
bool follow_location(const std::string& location, UpstreamUrl& url, std::string& error) {
    if (!location.empty() && location[0] == '/') {
        url.target = location;
        return true;
    }
    Parsed<UpstreamUrl> next = parse_upstream_url(location);
    const bool http_or_https =
        next && (next->scheme == UpstreamUrl::Scheme::http || next->scheme == UpstreamUrl::Scheme::https);
    if (!http_or_https) {
        error = "unsupported redirect to \"" + location + "\"";
        return false;
    }
    const bool same_origin = next->scheme == url.scheme && next->host == url.host && next->port == url.port;
    if (next->userinfo.empty() && same_origin) next->userinfo = url.userinfo;
    url = std::move(*next);
    return true;
}
}  // namespace

std::unique_ptr<Upstream> open_http_upstream(const UpstreamUrl& start_url, const UpstreamOptions& options,
                                             std::string& error) {
    UpstreamUrl url = start_url;
    for (int redirects = 0;; ++redirects) {
        std::optional<Transport> transport = connect_transport(url, options, error);
        if (!transport) return nullptr;
        const std::string request = build_request(url);
        if (!transport->write_all(request.data(), request.size(), options.stop_fd, exchange_timeout(options), error)) {
            error = "sending request: " + error;
            return nullptr;
        }
        std::string head;
        std::vector<uint8_t> rest;
        if (!read_head(*transport, options, head, rest, error)) return nullptr;
        auto response = parse_response_head(head);
        if (!response) return error = response.error(), nullptr;
        if (response->status >= 300 && response->status < 400) {
            if (redirects >= kMaxRedirects) return error = "too many redirects", nullptr;
            if (!follow_location(response->header("location"), url, error)) return nullptr;
            continue;
        }
        if (response->status != 200) {
            error = "HTTP " + std::to_string(response->status) + " " + response->reason;
            return nullptr;
        }
        // An encoder's error page comes with 200 more often than one would hope.
        const std::string type = response->header("content-type");
        if (type.rfind("text/", 0) == 0 || type.rfind("application/json", 0) == 0) {
            error = "upstream sent " + type.substr(0, type.find(';')) + ", not a transport stream";
            return nullptr;
        }
        auto upstream =
            std::make_unique<HttpUpstream>(std::move(*transport), options, response->is_chunked(), std::move(rest));
        upstream->decode_initial_bytes();
        return upstream;
    }
}
