// url.cpp - upstream URL parsing: scheme table, authority, local paths, percent-decoding.
#include "common/net/url.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace {

using Scheme = UpstreamUrl::Scheme;
using UnixType = UpstreamUrl::UnixType;

struct SchemeName {
    const char* name;
    Scheme scheme;
    UnixType unix_type;
};

// unixgram and unixpacket are Go's names for the socket types; restreamer users already write them.
constexpr SchemeName kSchemes[] = {
    {"http", Scheme::http, UnixType::automatic},
    {"https", Scheme::https, UnixType::automatic},
    {"file", Scheme::file, UnixType::automatic},
    {"tcp", Scheme::tcp, UnixType::automatic},
    {"udp", Scheme::udp, UnixType::automatic},
    {"unix", Scheme::unix_socket, UnixType::automatic},
    {"unixgram", Scheme::unix_socket, UnixType::datagram},
    {"unixpacket", Scheme::unix_socket, UnixType::seqpacket},
    {"fork", Scheme::fork, UnixType::automatic},
};

bool is_hostname_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        int high = hex_value(text[i + 1]);
        int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

namespace {

// The pieces of "scheme://authority/path?query#fragment", before any scheme-specific check.
struct UrlParts {
    std::string scheme;  // lowercased, as schemes are case-insensitive
    std::string_view authority;
    std::string_view path;
    std::string_view query;
    bool has_query = false;
};

// Fills host, port and userinfo. default_port 0 means the URL must name a port.
std::string read_authority(const UrlParts& parts, uint16_t default_port, UpstreamUrl& url) {
    std::string_view authority = parts.authority;
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        if (url.scheme != Scheme::http && url.scheme != Scheme::https) return "unexpected user info";
        url.userinfo = std::string(authority.substr(0, at));
        authority.remove_prefix(at + 1);
    }
    Parsed<HostPort> host_port = split_host_port(authority);
    if (!host_port) return host_port.error();
    if (host_port->host.empty()) return "missing host";
    url.host = host_port->host;
    if (host_port->port.empty()) {
        if (default_port == 0) return "missing port";
        url.port = default_port;
        return "";
    }
    auto port = parse_port_number(host_port->port);
    if (!port) return "invalid port " + quoted(host_port->port);
    url.port = *port;
    return "";
}

// file, unix and fork name a local path: "scheme:///path", or "scheme://localhost/path" as RFC 8089 allows.
std::string read_local_path(const UrlParts& parts, UpstreamUrl& url) {
    if (!parts.authority.empty() && to_lower(parts.authority) != "localhost") {
        return "unexpected host " + quoted(parts.authority) + " (expected " + parts.scheme + ":///path)";
    }
    if (parts.path.empty()) return "empty path";
    auto path = percent_decode(parts.path);
    if (!path) return "invalid percent-encoding in path";
    url.path = std::move(*path);
    return "";
}

// udp options: iface=NAME (where to join a multicast group) and source=ADDR (source-specific multicast).
std::string read_udp_query(std::string_view query, UpstreamUrl& url) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (item.empty()) continue;
        auto eq = item.find('=');
        std::string key(item.substr(0, eq));
        if (key != "iface" && key != "source") return "unknown query key " + quoted(key) + " (expected iface, source)";
        if (url.query.count(key)) return "duplicate query key " + quoted(key);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
        if (!value) return "invalid percent-encoding in query";
        if (value->empty()) return "missing value for " + quoted(key);
        url.query[key] = std::move(*value);
    }
    return "";
}

// fork:///cmd?a+b: '+' separates arguments, so a literal plus is written %2B and a space %20.
std::string read_fork_args(std::string_view query, UpstreamUrl& url) {
    if (query.empty()) return "";
    for (;;) {
        auto plus = query.find('+');
        auto arg = percent_decode(query.substr(0, plus));
        if (!arg) return "invalid percent-encoding in arguments";
        url.args.push_back(std::move(*arg));
        if (plus == std::string_view::npos) return "";
        query.remove_prefix(plus + 1);
    }
}

std::string read_scheme_specific(const UrlParts& parts, UpstreamUrl& url) {
    std::string error;
    switch (url.scheme) {
    case Scheme::http:
    case Scheme::https:
        error = read_authority(parts, url.scheme == Scheme::http ? 80 : 443, url);
        if (!error.empty()) return error;
        url.target = parts.path.empty() ? "/" : std::string(parts.path);
        if (parts.has_query) url.target += "?" + std::string(parts.query);
        return "";
    case Scheme::tcp:
    case Scheme::udp:
        error = read_authority(parts, 0, url);
        if (!error.empty()) return error;
        if (!parts.path.empty() && parts.path != "/") return "unexpected path " + quoted(parts.path);
        if (url.scheme == Scheme::udp) return read_udp_query(parts.query, url);
        return parts.has_query ? "unexpected query" : "";
    case Scheme::file:
    case Scheme::unix_socket:
        error = read_local_path(parts, url);
        if (error.empty() && parts.has_query) error = "unexpected query (write '?' in a path as %3F)";
        return error;
    case Scheme::fork:
        error = read_local_path(parts, url);
        return error.empty() ? read_fork_args(parts.query, url) : error;
    }
    return "unsupported scheme";
}

}  // namespace

Parsed<UpstreamUrl> parse_upstream_url(std::string_view text) {
    if (text.empty()) return ParseError{"empty URL"};
    for (char c : text) {
        // A space would end the HTTP request line early, and a newline would inject headers.
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return ParseError{"contains spaces or control characters"};
    }
    auto separator = text.find("://");
    if (separator == std::string_view::npos) return ParseError{"not a URL (no \"://\")"};

    UrlParts parts;
    parts.scheme = to_lower(text.substr(0, separator));
    const SchemeName* known = nullptr;
    for (const SchemeName& entry : kSchemes) {
        if (parts.scheme == entry.name) known = &entry;
    }
    if (!known) {
        return ParseError{"unknown scheme " + quoted(text.substr(0, separator)) +
                          " (expected http, https, file, tcp, udp, unix, fork)"};
    }

    std::string_view rest = text.substr(separator + 3);
    rest = rest.substr(0, rest.find('#'));  // a fragment never leaves the client
    auto authority_end = rest.find_first_of("/?");
    parts.authority = rest.substr(0, authority_end);
    rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    auto question = rest.find('?');
    parts.path = rest.substr(0, question);
    parts.has_query = question != std::string_view::npos;
    if (parts.has_query) parts.query = rest.substr(question + 1);

    UpstreamUrl url;
    url.scheme = known->scheme;
    url.unix_type = known->unix_type;
    url.text = std::string(text);
    std::string error = read_scheme_specific(parts, url);
    if (!error.empty()) return ParseError{std::move(error)};
    // The text goes to logs and the API, so never with the password (as Go's URL.Redacted()).
    auto colon = url.userinfo.find(':');
    if (colon != std::string::npos) url.text.replace(separator + 3 + colon + 1, url.userinfo.size() - colon - 1, "xxxxx");
    return url;
}

const char* to_string(UpstreamUrl::Scheme scheme) {
    switch (scheme) {
    case Scheme::http: return "http";
    case Scheme::https: return "https";
    case Scheme::file: return "file";
    case Scheme::tcp: return "tcp";
    case Scheme::udp: return "udp";
    case Scheme::unix_socket: return "unix";
    case Scheme::fork: return "fork";
    }
    return "?";
}

Parsed<HostPort> split_host_port(std::string_view authority) {
    HostPort out;
    std::string_view port_part;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return ParseError{"unterminated IPv6 literal"};
        std::string_view literal = authority.substr(1, close - 1);
        bool valid = literal.find(':') != std::string_view::npos &&
                     std::all_of(literal.begin(), literal.end(), is_ipv6_char);
        std::string_view after = authority.substr(close + 1);
        if (!valid) return ParseError{"invalid IPv6 literal " + quoted(authority.substr(0, close + 1))};
        if (!after.empty() && after.front() != ':') return ParseError{"unexpected " + quoted(after) + " after IPv6 literal"};
        out.host = std::string(literal);
        if (!after.empty()) port_part = after.substr(1);
    } else {
        auto colon = authority.find(':');
        if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
            return ParseError{"IPv6 literal needs brackets, e.g. [::1]"};
        }
        out.host = std::string(authority.substr(0, colon));
        if (!std::all_of(out.host.begin(), out.host.end(), is_hostname_char)) {
            return ParseError{"invalid host " + quoted(out.host)};
        }
        if (colon != std::string_view::npos) port_part = authority.substr(colon + 1);
    }
    out.port = std::string(port_part);
    return out;
}

std::optional<uint16_t> parse_port_number(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
}
