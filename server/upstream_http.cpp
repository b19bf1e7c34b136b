// upstream_http.cpp - http:// upstreams: GET with redirects, status check, identity or chunked body.
#include <cstring>
#include <vector>

#include "common/http_message.h"
#include "common/net.h"
#include "upstream.h"

namespace {
constexpr std::size_t kMaxHeadBytes = 16 * 1024;
constexpr int kMaxRedirects = 5;
constexpr const char* kUserAgent = "restreamer-cpp/0.1";

class HttpUpstream : public FdUpstream {
public:
    HttpUpstream(UniqueFd fd, const UpstreamOptions& options, bool chunked, std::vector<uint8_t> body_start)
        : FdUpstream(std::move(fd), options), chunked_(chunked), pending_(std::move(body_start)) {}

    long read(uint8_t* buf, std::size_t len) override {
        while (pending_offset_ == pending_.size()) {
            pending_.clear();
            pending_offset_ = 0;
            if (decoder_done_) return 0;
            long n = FdUpstream::read(buf, len);
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
    bool chunked_;
    ChunkedDecoder decoder_;
    bool decoder_done_ = false;
    std::vector<uint8_t> pending_;  // decoded bytes not yet handed out
    std::size_t pending_offset_ = 0;
};

// A server that accepts but never answers must not hold the reader forever, even with readtimeout 0.
std::chrono::milliseconds head_timeout(const UpstreamOptions& options) {
    if (options.read_timeout.count() > 0) return options.read_timeout;
    if (options.connect_timeout.count() > 0) return options.connect_timeout;
    return std::chrono::milliseconds(10000);
}

// Reads until the blank line that ends the head; the bytes after it go to `rest`.
bool read_head(int fd, const UpstreamOptions& options, std::string& head, std::vector<uint8_t>& rest,
               std::string& error) {
    char buf[4096];
    std::string data;
    for (;;) {
        long n = read_with_deadline(fd, buf, sizeof buf, options.stop_fd, head_timeout(options), error);
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

// Resolves a Location header against the current URL; only http:// targets are followed for now.
bool follow_location(const std::string& location, UpstreamUrl& url, std::string& error) {
    if (!location.empty() && location[0] == '/') {
        url.target = location;
        return true;
    }
    UrlParseResult next = parse_upstream_url(location);
    if (!next.url || next.url->scheme != UpstreamUrl::Scheme::http) {
        error = "unsupported redirect to \"" + location + "\"";
        return false;
    }
    url = *next.url;
    return true;
}
}  // namespace

std::unique_ptr<Upstream> open_http_upstream(const UpstreamUrl& start_url, const UpstreamOptions& options,
                                             std::string& error) {
    UpstreamUrl url = start_url;
    for (int redirects = 0;; ++redirects) {
        UniqueFd fd = connect_tcp(url.host, url.port, options.stop_fd, options.connect_timeout, error);
        if (!fd) return nullptr;
        const bool default_port = url.port == 80;
        std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " +
                              (default_port ? (url.is_ipv6_literal() ? "[" + url.host + "]" : url.host)
                                            : join_host_port(url.host, url.port)) +
                              "\r\nUser-Agent: " + kUserAgent + "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        const auto write_timeout = options.connect_timeout.count() > 0 ? options.connect_timeout : std::chrono::milliseconds(10000);
        if (!write_all(fd.get(), request.data(), request.size(), options.stop_fd, write_timeout, error)) {
            error = "sending request: " + error;
            return nullptr;
        }
        std::string head;
        std::vector<uint8_t> rest;
        if (!read_head(fd.get(), options, head, rest, error)) return nullptr;
        auto response = parse_response_head(head, error);
        if (!response) return nullptr;
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
        auto upstream = std::make_unique<HttpUpstream>(std::move(fd), options, response->is_chunked(), std::move(rest));
        upstream->decode_initial_bytes();
        return upstream;
    }
}
