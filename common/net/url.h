// url.h - upstream URLs: parse and validate http, https, file, tcp, udp, unix and fork URLs.
// Pure; no I/O. Used by the config parser (to reject bad remotes at start-up) and by the upstreams.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/parsed.h"

struct UpstreamUrl {
    enum class Scheme { http, https, file, tcp, udp, unix_socket, fork };
    // For unix sockets: which socket type to use; automatic tries stream, then seqpacket, then datagram.
    enum class UnixType { automatic, stream, datagram, seqpacket };

    Scheme scheme = Scheme::http;
    std::string text;       // the URL as configured, for logs; a password becomes "xxxxx"
    std::string host;       // http/https/tcp/udp; IPv6 literals without brackets
    std::string userinfo;   // http/https: "user:password" before '@', as written (for Basic auth)
    uint16_t port = 0;      // http defaults to 80, https to 443; tcp and udp require one
    std::string target;     // http/https: path and query as sent in the request line ("/" when empty)
    std::string path;       // file, unix, fork: the filesystem path (percent-decoded)
    std::vector<std::string> args;             // fork: arguments after '?', split on '+', percent-decoded
    std::map<std::string, std::string> query;  // udp options such as iface=eth0, source=10.0.0.1
    UnixType unix_type = UnixType::automatic;

    bool is_ipv6_literal() const { return host.find(':') != std::string::npos; }
};
// Every field: `text` hides the password, so two URLs with the same text may still differ.
inline bool operator==(const UpstreamUrl& a, const UpstreamUrl& b) {
    return a.scheme == b.scheme && a.text == b.text && a.host == b.host && a.userinfo == b.userinfo &&
           a.port == b.port && a.target == b.target && a.path == b.path && a.args == b.args && a.query == b.query &&
           a.unix_type == b.unix_type;
}
inline bool operator!=(const UpstreamUrl& a, const UpstreamUrl& b) { return !(a == b); }

// The parsed URL, or an error such as
//   unknown scheme "rtsp" (expected http, https, file, tcp, udp, unix, fork)
Parsed<UpstreamUrl> parse_upstream_url(std::string_view text);

const char* to_string(UpstreamUrl::Scheme scheme);

// Splits "host:port", "[v6]:port" or "host"; port is empty when absent. Shared with the listen
// address parser so both accept the same host forms. The error is a short phrase.
struct HostPort {
    std::string host;
    std::string port;
};
Parsed<HostPort> split_host_port(std::string_view authority);

// Decodes %XX escapes; nullopt for a malformed escape, and for %00: no path, argv entry or
// credential can hold a NUL.
std::optional<std::string> percent_decode(std::string_view text);

// A decimal port 1..65535; nullopt otherwise.
std::optional<uint16_t> parse_port_number(std::string_view text);
