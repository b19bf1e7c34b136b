// playlist.h - the playlist api: an extended M3U of the streams a client may watch, with absolute
// URLs. Pure: the caller passes what it knows of the request; no HTTP library here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.h"
#include "server/http/http_reply.h"

struct PlaylistEntry {
    std::string name;    // after the comma of #EXTINF, and tvg-name
    std::string tvg_id;  // empty = attribute left out; so are logo and group
    std::string logo;
    std::string group;
    std::string url;     // absolute
};

// "#EXTM3U" (with x-tvg-url when `guide` is set), then #EXTINF and the URL of each entry, each
// line ending in "\n". Quotes in attribute values become ', and control characters (line breaks
// included) become spaces anywhere, so a value can neither end its attribute nor start a line.
std::string m3u_text(const std::string& guide, const std::vector<PlaylistEntry>& entries);

// A stream's `name`, else its serve path without the leading '/' and its extension ("/tv/ch1.ts" ->
// "tv/ch1").
std::string playlist_name(const Resource& stream);

// `base` (no path, or one; a trailing '/' is dropped) followed by `path`, whose bytes that are not
// URL characters are percent-escaped.
std::string join_url(std::string_view base, std::string_view path);

// A Host value a URL may carry: a DNS name or IPv4 address, or an [IPv6] literal, then maybe :PORT.
bool valid_host(std::string_view host);

// What the playlist's reply depends on besides the configuration.
struct PlaylistRequest {
    std::string host;              // the Host field, empty when absent
    std::string forwarded_proto;   // X-Forwarded-Proto, X-Forwarded-Host: used only from a trusted proxy
    std::string forwarded_host;
    bool from_trusted_proxy = false;
    std::string listen_address;    // the bound address: the host when the request has no Host field
    std::string client_ip;         // the effective client, for each stream's allow and deny
    std::string authorization;     // the Authorization field, for each stream's authentication
    int64_t now_s = 0;             // Unix seconds: securelink streams' URLs are signed from now on
};

// `publicurl`, else scheme and host of the request ("http://HOST"); nullopt when the host to use is
// not valid_host(): it is never copied into the playlist.
std::optional<std::string> playlist_base_url(const Config& config, const PlaylistRequest& request);

// The streams of `config`, in its order, that the client may watch, under `base`; the URL of a
// securelink stream is signed for the client's address, valid for the policy's lifetime.
std::vector<PlaylistEntry> playlist_entries(const Config& config, const std::string& base, const PlaylistRequest& request);

// 200 audio/x-mpegurl with m3u_text(), or 400 for a bad host.
HttpReply playlist_reply(const Config& config, const PlaylistRequest& request);
