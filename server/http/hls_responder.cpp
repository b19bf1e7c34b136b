// hls_responder.cpp - playlists as text replies, segments from the shared chunks with ranges.
#include "server/http/hls_responder.h"

#include <httplib.h>

#include <algorithm>

#include "common/log.h"
#include "server/http/hls_playlist.h"
#include "server/http/http_server.h"
#include "server/http/socket_stream.h"
#include "server/http/viewer_session.h"

using namespace std::chrono;

namespace {
constexpr const char* kPlaylistType = "application/vnd.apple.mpegurl";
// A player reloads the live playlist about once a segment; a cache may keep it for a second.
constexpr const char* kPlaylistCacheControl = "max-age=1";

HlsAnswer text(httplib::Response& res, int status, const std::string& body, const char* type = "text/plain") {
    res.status = status;
    res.set_content(body, type);
    return HlsAnswer{status, body.size()};
}

HlsAnswer playlist(httplib::Response& res, const std::string& body) {
    res.set_header("Cache-Control", kPlaylistCacheControl);
    return text(res, 200, body, kPlaylistType);
}

// The body of `segment` from `first`, `length` bytes, on this connection's socket.
bool write_segment(const HlsSegment& segment, std::size_t first, std::size_t length, HlsOutput& hls, const HlsClient& client) {
    SocketStream* socket = SocketStream::of_this_thread();
    if (!socket) return false;  // only HttpServer runs responses
    std::vector<iovec> iov;
    for (std::size_t done = 0; done < length;) {
        if (segment.revoked.load(std::memory_order_relaxed)) return false;
        std::size_t sent = 0;
        const bool ok = write_chunk_range(*socket, segment.chunks, first + done, std::min(kHlsWriteSlice, length - done), iov, sent);
        hls.count_sent(sent);
        hls.sessions().count_bytes(client.address, client.user, sent);
        if (!ok) return false;
        done += sent;
    }
    return true;
}

HlsAnswer segment_reply(const std::shared_ptr<HlsOutput>& hls, uint64_t number, const HttpRequestInfo& request,
                        const HlsClient& client, httplib::Response& res) {
    HlsSegmentRef segment = hls->window().find(number);
    if (!segment) return text(res, 404, "segment not in the window");
    const std::string etag = "\"" + std::to_string(number) + "-" + std::to_string(segment->bytes) + "\"";
    res.set_header("ETag", etag);
    // Its name never comes back with other bytes (numbers start from the wall clock), so a cache
    // may keep it as long as a player could ask for it.
    const auto window = hls->settings().segment * hls->settings().window;
    res.set_header("Cache-Control", "max-age=" + std::to_string(window.count()) + ", immutable");
    HttpServer::answer_ranges();
    if (request.header("if-none-match") == etag) {
        res.status = 304;
        return HlsAnswer{304, 0};
    }
    const ByteRange range = parse_byte_range(HttpServer::range_field(), segment->bytes);
    if (range.kind == ByteRange::Kind::unsatisfiable) {
        res.set_header("Content-Range", "bytes */" + std::to_string(segment->bytes));
        return text(res, 416, "range not satisfiable");
    }
    const bool part = range.kind == ByteRange::Kind::part;
    const std::size_t first = part ? range.first : 0, length = part ? range.length : segment->bytes;
    res.status = part ? 206 : 200;
    if (part)
        res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
                                             std::to_string(segment->bytes));
    // A provider without length writes the body itself (vectored, from the shared chunks) and ends
    // it with done(); the length is ours, so that keep-alive goes on after it.
    res.set_header("Content-Length", std::to_string(length));
    if (request.method == "HEAD") {
        res.set_content_provider("video/mp2t", [](size_t, httplib::DataSink&) { return false; });
        return HlsAnswer{res.status, length};
    }
    res.set_content_provider("video/mp2t", [segment, first, length, hls, client](size_t, httplib::DataSink& sink) {
        if (!write_segment(*segment, first, length, *hls, client)) return false;
        sink.done();
        return true;
    });
    return HlsAnswer{res.status, length};
}
}  // namespace

namespace {
// The origin to name in Access-Control-Allow-Origin, or empty when `cors` does not allow `origin`.
std::string allowed_origin(const std::vector<std::string>& cors, const std::string& origin) {
    if (cors.size() == 1 && cors.front() == "*") return "*";
    return std::find(cors.begin(), cors.end(), origin) != cors.end() ? origin : std::string();
}
}  // namespace

void set_hls_cors(const std::vector<std::string>& cors, const std::string& origin, httplib::Response& res) {
    const std::string allowed = allowed_origin(cors, origin);
    if (allowed.empty()) return;
    res.set_header("Access-Control-Allow-Origin", allowed);
    if (allowed != "*") res.set_header("Vary", "Origin");  // a cache must not hand it to another origin
    res.set_header("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag");
}

std::optional<HttpReply> hls_preflight(const std::vector<std::string>& cors, const std::string& origin) {
    if (cors.empty()) return std::nullopt;
    HttpReply reply;
    reply.status = 204;
    const std::string allowed = allowed_origin(cors, origin);
    if (allowed.empty()) return reply;  // no Allow-Origin: the browser refuses
    reply.headers = {{"Access-Control-Allow-Origin", allowed},
                     {"Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"},
                     {"Access-Control-Allow-Headers", "Range, Authorization"},
                     {"Access-Control-Max-Age", "86400"}};
    if (allowed != "*") reply.headers.emplace_back("Vary", "Origin");
    return reply;
}

bool is_hls_playlist(std::string_view name) { return name == "index.m3u8" || name == "master.m3u8"; }

HlsAnswer answer_hls(const std::shared_ptr<HlsOutput>& hls, std::string_view name, const HttpRequestInfo& request,
                     const HlsClient& client, httplib::Response& res) {
    hls->count_request();
    if (const auto number = hls_segment_number(name)) return segment_reply(hls, *number, request, client, res);
    if (!is_hls_playlist(name)) return text(res, 404, "not found");
    const HlsWindowView view = hls->window().view();
    if (view.segments.empty()) {  // the upstream was lost again since the caller's wait
        res.set_header("Cache-Control", "no-cache");
        return text(res, 503, "no HLS segment yet");
    }
    if (name == "master.m3u8") return playlist(res, hls_master_playlist(hls_peak_bitrate(view), hls->codecs()));
    return playlist(res, hls_media_playlist(view, hls->target_duration()));
}

void log_hls_sessions(const std::vector<HlsSession>& ended, const std::string& stream, const std::string& prefix,
                      AccessLog* log) {
    for (const HlsSession& session : ended) {
        const double duration_s = duration_cast<milliseconds>(session.last_seen - session.first_seen).count() / 1000.0;
        const char* reason = "no request for 3 target durations";
        LogLine(LogLevel::info, "hls_session_ended")
            .kv("stream", stream)
            .kv("client", session.address)
            .kv("duration_s", duration_s)
            .kv("requests", session.requests)
            .kv("bytes", session.bytes)
            .kv("reason", reason);
        if (!log) continue;
        AccessEntry entry;
        entry.start = session.since;
        entry.client = session.address;
        entry.method = "GET";
        entry.path = prefix;
        entry.status = 200;
        entry.user = session.user;
        entry.duration_s = duration_s;
        entry.bytes = session.bytes;
        entry.reason = reason;
        log->write(entry);
    }
}
