// hls_responder.h - answers the requests under a stream's HLS prefix: index.m3u8, master.m3u8 and
// N.ts. A segment's body is written by the connection's thread straight from the shared chunks
// (vectored writes, no copy), with its byte range answered here (httplib's Range answers are
// wrong, see http_server.cpp). Called from connection threads only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "server/http/access_log.h"
#include "server/http/http_reply.h"
#include "server/pipeline/hls_output.h"

namespace httplib {
struct Response;
}

// A segment is written in slices of this size; between two, a reader whose segment the window has
// revoked (it held departed segments past the bound) stops.
constexpr std::size_t kHlsWriteSlice = 256 * 1024;

struct HlsAnswer {
    int status = 200;
    std::size_t bytes = 0;  // of the body, as promised (a HEAD's included)
};

// Whose request it is: the session its bytes are counted to.
struct HlsClient {
    std::string address;
    std::string user;
};

// Playlist names, for which the caller first waits for a segment (Channel::admit_hls).
bool is_hls_playlist(std::string_view name);

// `name`: the path after the prefix. The response is complete when this returns; a segment's body
// is written after it, by httplib's call of the content provider.
HlsAnswer answer_hls(const std::shared_ptr<HlsOutput>& hls, std::string_view name, const HttpRequestInfo& request,
                     const HlsClient& client, httplib::Response& res);

// CORS for a request with `origin` (its Origin field, may be empty), when `cors` (HlsConfig::cors)
// allows it: Access-Control-Allow-Origin and the headers a player reads. No-op otherwise.
void set_hls_cors(const std::vector<std::string>& cors, const std::string& origin, httplib::Response& res);
// The answer to an OPTIONS preflight under the prefix (answered before authentication: a preflight
// carries no credentials). Null when `cors` is empty: the request is then an ordinary 405.
std::optional<HttpReply> hls_preflight(const std::vector<std::string>& cors, const std::string& origin);

// One access-log line and one log line per ended session (`prefix`: the HLS prefix, as the path).
// `log` may be null (no access log).
void log_hls_sessions(const std::vector<HlsSession>& ended, const std::string& stream, const std::string& prefix,
                      AccessLog* log);
