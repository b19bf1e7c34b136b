// static_content.cpp - loading the static resource (file or http(s) GET), its ETag, and the reply.
// The request path never reaches a file name.
#include "server/http/static_content.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/log.h"
#include "common/net/unique_fd.h"
#include "common/text.h"
#include "server/http/http_client.h"

using namespace std::chrono;

namespace {

// Identifies one version of a file without reading it: any write changes ctime, a replace changes ino.
struct FileStamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
    timespec ctime{};

    static FileStamp of(const struct stat& st) {
        return FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
    }
    bool operator==(const FileStamp& o) const {
        return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
    }
};

std::optional<FileStamp> stat_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileStamp::of(st);
}

// By extension, for files and for remotes that send no Content-Type.
std::string content_type_for(std::string_view path) {
    path = path.substr(0, path.find_first_of("?#"));
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return "application/octet-stream";
    const std::string ext = to_lower(path.substr(dot + 1));
    static const std::pair<const char*, const char*> kTypes[] = {
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"xml", "application/xml"},
        {"m3u", "audio/x-mpegurl"},
        {"m3u8", "application/vnd.apple.mpegurl"},
        {"ts", "video/mp2t"},
        {"js", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
    };
    for (const auto& [name, type] : kTypes)
        if (ext == name) return type;
    return "application/octet-stream";
}

// A strong validator: it changes with any byte of the body. 64 bits of SHA-256 are plenty to tell
// versions of one resource apart.
std::string strong_etag(const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr) != 1 || length < 8) return "";
    static const char kHex[] = "0123456789abcdef";
    std::string tag = "\"";
    for (int i = 0; i < 8; ++i) {
        tag += kHex[digest[i] >> 4];
        tag += kHex[digest[i] & 0xf];
    }
    return tag + "\"";
}

// If-None-Match: "*" or a comma-separated list of entity tags, compared weakly (RFC 9110 13.1.2),
// so W/"x" matches "x".
bool if_none_match(std::string_view header, std::string_view etag) {
    std::size_t i = 0;
    while (i < header.size()) {
        const char c = header[i];
        if (c == ' ' || c == '\t' || c == ',') {
            ++i;
            continue;
        }
        if (c == '*') return true;
        if (header.compare(i, 2, "W/") == 0) i += 2;
        if (i < header.size() && header[i] == '"') {
            const auto close = header.find('"', i + 1);
            if (close == std::string_view::npos) return false;
            if (header.substr(i, close - i + 1) == etag) return true;
            i = close + 1;
            continue;
        }
        i = header.find(',', i);  // not an entity tag; skip to the next one
        if (i == std::string_view::npos) return false;
    }
    return false;
}

std::string status_text(int status) {
    switch (status) {
    case 404: return "not found";
    case 502: return "bad gateway";
    default: return "internal server error";
    }
}

}  // namespace

struct StaticContent::Snapshot {
    int status = 200;  // 200, or the error status every request gets while this is the current outcome
    std::string body;
    std::string content_type;
    std::string etag;  // quoted; empty for an error
    Clock::time_point loaded_at;
    FileStamp stamp;  // local file only
};

StaticContent::StaticContent(std::string serve_path, std::string remote, seconds cache, milliseconds timeout)
    : serve_path_(std::move(serve_path)),
      remote_text_(std::move(remote)),
      cache_(cache),
      timeout_(timeout > milliseconds::zero() ? timeout : milliseconds(kDefaultTimeout)) {
    auto internal_error = std::make_shared<Snapshot>();
    internal_error->status = 500;
    internal_error_ = std::move(internal_error);
    invalid_reason_ = check_remote(remote_text_);
    if (!invalid_reason_.empty()) {
        LogLine(LogLevel::error, "static_remote_invalid").kv("path", serve_path_).kv("remote", remote_text_).kv("reason", invalid_reason_);
        return;
    }
    if (remote_text_.front() == '/') {
        file_path_ = remote_text_;
        return;
    }
    UpstreamUrl url = *parse_upstream_url(remote_text_);
    if (url.scheme == UpstreamUrl::Scheme::file) {
        file_path_ = url.path;
        return;
    }
    url_ = std::move(url);
}

StaticContent::~StaticContent() = default;

std::string StaticContent::check_remote(std::string_view remote) {
    if (remote.empty()) return "empty remote";
    if (remote.front() == '/') return "";
    Parsed<UpstreamUrl> parsed = parse_upstream_url(remote);
    if (!parsed) return parsed.error();
    switch (parsed->scheme) {
    case UpstreamUrl::Scheme::http:
    case UpstreamUrl::Scheme::https:
        return "";
    case UpstreamUrl::Scheme::file:
        return parsed->path.front() == '/' ? "" : "file path must be absolute";
    default:
        return std::string("a static resource cannot use ") + to_string(parsed->scheme) +
               " (expected http, https, file or an absolute path)";
    }
}

HttpReply StaticContent::get(const HttpRequestInfo& request) {
    if (!invalid_reason_.empty()) return reply_for(*internal_error_, request);
    std::shared_ptr<const Snapshot> snapshot = current();
    return reply_for(*snapshot, request);
}

std::shared_ptr<const StaticContent::Snapshot> StaticContent::current() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (snapshot_ && is_fresh(*snapshot_, Clock::now())) return snapshot_;
    if (loading_) {
        // Sharing the outcome, even a failure, keeps a burst of requests to one load of the remote.
        const uint64_t seen = loads_;
        loaded_.wait(lock, [&] { return loads_ != seen; });
        return snapshot_;
    }
    loading_ = true;
    lock.unlock();
    std::shared_ptr<const Snapshot> outcome = internal_error_;  // if even the snapshot cannot be built
    try {
        outcome = std::make_shared<const Snapshot>(load());
    } catch (const std::exception& e) {
        LogLine(LogLevel::error, "static_failed").kv("path", serve_path_).kv("reason", e.what());
    }
    lock.lock();
    snapshot_ = outcome;
    loading_ = false;
    ++loads_;
    loaded_.notify_all();
    return outcome;
}

// Called with mutex_ held. The stat() of a local file is a cheap syscall on a local path.
bool StaticContent::is_fresh(const Snapshot& snapshot, Clock::time_point now) const {
    if (snapshot.status != 200 || cache_ <= seconds::zero()) return false;
    if (now - snapshot.loaded_at >= cache_) return false;
    if (file_path_.empty()) return true;
    auto stamp = stat_file(file_path_);
    return stamp && *stamp == snapshot.stamp;
}

StaticContent::Snapshot StaticContent::load() const {
    Snapshot snapshot = file_path_.empty() ? fetch_remote() : read_file();
    snapshot.loaded_at = Clock::now();
    if (snapshot.status == 200) {
        snapshot.etag = strong_etag(snapshot.body);
        LogLine(LogLevel::debug, "static_loaded").kv("path", serve_path_).kv("remote", url_ ? url_->text : file_path_)
            .kv("bytes", snapshot.body.size()).kv("etag", snapshot.etag);
    }
    return snapshot;
}

StaticContent::Snapshot StaticContent::read_file() const {
    Snapshot snapshot;
    auto fail = [&](int status, const std::string& reason) {
        LogLine(LogLevel::warn, "static_file_failed").kv("path", serve_path_).kv("file", file_path_)
            .kv("status", status).kv("reason", reason);
        snapshot.status = status;
        return snapshot;
    };
    // O_NONBLOCK: a FIFO at that path must not hang the request; it is refused below.
    UniqueFd fd(::open(file_path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return fail(404, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(404, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(404, "not a regular file");
    if (static_cast<std::size_t>(st.st_size) > kMaxBodyBytes)
        return fail(500, "file larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB");

    snapshot.body.resize(static_cast<std::size_t>(st.st_size));
    std::size_t have = 0;
    while (have < snapshot.body.size()) {
        const ssize_t n = ::read(fd.get(), &snapshot.body[have], snapshot.body.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(404, std::strerror(errno));
        if (n == 0) break;  // truncated while we read: serve what is there, the stamp will differ next time
        have += static_cast<std::size_t>(n);
    }
    snapshot.body.resize(have);
    snapshot.stamp = FileStamp::of(st);
    snapshot.content_type = content_type_for(file_path_);
    return snapshot;
}

StaticContent::Snapshot StaticContent::fetch_remote() const {
    Snapshot snapshot;
    const UpstreamUrl& url = *url_;
    auto client = make_http_client(url, timeout_);
    // httplib's timeouts apply per connect and per read; the deadline bounds a remote that trickles.
    const auto deadline = Clock::now() + timeout_;
    std::string reason;  // set when we abort the transfer ourselves
    int status = 0;
    std::string content_type;
    auto on_response = [&](const httplib::Response& response) {
        status = response.status;
        if (status < 200 || status > 299) {
            reason = "HTTP status " + std::to_string(status);
            return false;
        }
        if (std::strtoull(response.get_header_value("Content-Length").c_str(), nullptr, 10) > kMaxBodyBytes) {
            reason = "body larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB";
            return false;
        }
        content_type = response.get_header_value("Content-Type");
        return true;
    };
    auto on_data = [&](const char* data, std::size_t length) {
        if (snapshot.body.size() + length > kMaxBodyBytes) {
            reason = "body larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB";
            return false;
        }
        if (Clock::now() > deadline) {
            reason = "timeout after " + std::to_string(timeout_.count()) + " ms";
            return false;
        }
        snapshot.body.append(data, length);
        return true;
    };
    httplib::Result result = client->Get(url.target, on_response, on_data);
    if (result && reason.empty() && Clock::now() > deadline)
        reason = "timeout after " + std::to_string(timeout_.count()) + " ms";
    if (!result || !reason.empty()) {
        if (reason.empty()) reason = describe_http_error(result.error());
        LogLine(LogLevel::warn, "static_fetch_failed").kv("path", serve_path_).kv("remote", url.text)
            .kv("reason", reason).kv("timeout_ms", timeout_.count());
        Snapshot failed;
        failed.status = 502;
        return failed;
    }
    snapshot.content_type = content_type.empty() ? content_type_for(url.target) : content_type;
    return snapshot;
}

HttpReply StaticContent::reply_for(const Snapshot& snapshot, const HttpRequestInfo& request) const {
    const bool head = request.method == "HEAD";
    if (snapshot.status != 200) {
        HttpReply reply = HttpReply::text(snapshot.status, head ? std::string() : status_text(snapshot.status));
        reply.headers.emplace_back("Cache-Control", "no-cache");
        return reply;
    }
    HttpReply reply;
    reply.content_type = snapshot.content_type;
    reply.headers.emplace_back("ETag", snapshot.etag);
    reply.headers.emplace_back("Cache-Control",
                               cache_ > seconds::zero() ? "max-age=" + std::to_string(cache_.count()) : "no-cache");
    if (if_none_match(request.header("if-none-match"), snapshot.etag)) {
        reply.status = 304;
        return reply;
    }
    if (!head) reply.body = snapshot.body;
    return reply;
}
