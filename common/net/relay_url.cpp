// relay_url.cpp - the relay's URL forms taken apart with url.h's split_host_port and
// parse_port_number and ip_filter.h's addresses, then checked against the relay's rules.
#include "common/net/relay_url.h"

#include <algorithm>

#include "common/text.h"

namespace {

using Protocol = RelayTarget::Protocol;

constexpr uint16_t kDefaultPort = 1234;  // msd_lite's, for a URL without one
constexpr const char* kExpectedForm = "expected /udp/GROUP:PORT or /rtp/GROUP:PORT";
constexpr size_t kShownBytes = 64;       // of a client's text quoted in a reason

RelayError bad_request(std::string reason) { return RelayError{400, std::move(reason)}; }

// A client's text, or a message that quotes it, for a reason: on one line, and short.
std::string clipped(std::string_view text, size_t bytes) {
    return one_line(text.substr(0, bytes)) + (text.size() > bytes ? "..." : "");
}

std::string shown(std::string_view text) { return quoted(clipped(text, kShownBytes)); }

// "[2001:db8::1]" or "10.0.0.1" as the text of a URL's host.
std::string host_text(const IpAddress& address) {
    return is_ipv4(address) ? to_string(address) : "[" + to_string(address) + "]";
}

// "[SOURCE@]GROUP:PORT" in the addresses' usual text.
std::string address_text(const RelayTarget& target) {
    std::string text = target.source ? host_text(*target.source) + "@" : "";
    return text + host_text(target.group) + ":" + std::to_string(target.port);
}

// udpxy separates an IPv4 group from its port with ':' or one of "~+-^" (for players that mangle
// ':'); '%' too, but a '%' never reaches us undecoded.
std::string with_colon_separator(std::string_view text) {
    std::string out(text);
    const size_t separator = out.find_first_of("~+-^");
    if (!out.empty() && out.front() != '[' && out.find(':') == std::string::npos && separator != std::string::npos)
        out[separator] = ':';
    return out;
}

// GROUP[:PORT] into target.group and target.port; an error reason, or "".
std::string read_group(std::string_view text, RelayTarget& target) {
    const std::string normalized = with_colon_separator(text);
    Parsed<HostPort> split = split_host_port(normalized);
    if (!split) return "bad group " + shown(text) + ": " + clipped(split.error(), 2 * kShownBytes);
    if (split->host.empty()) return kExpectedForm;
    std::optional<IpAddress> group = parse_ip_address(split->host);
    if (!group) return "bad group address " + shown(split->host);
    if (!is_multicast(*group)) return "not a multicast group: " + to_string(*group);
    target.group = *group;
    if (split->port.empty() && normalized.back() != ':') {
        target.port = kDefaultPort;
        return "";
    }
    std::optional<uint16_t> port = parse_port_number(split->port);
    if (!port) return "bad port " + shown(split->port);
    target.port = *port;
    return "";
}

// SOURCE (IPv6 in brackets or not) into target.source; the group is read already.
std::string read_source(std::string_view text, RelayTarget& target) {
    std::string_view literal = text;
    if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']') literal = literal.substr(1, literal.size() - 2);
    std::optional<IpAddress> source = parse_ip_address(literal);
    if (!source) return "bad source address " + shown(text);
    const IpAddress unspecified_v4 = *parse_ip_address("0.0.0.0");
    if (is_multicast(*source) || *source == IpAddress{} || *source == unspecified_v4 ||
        is_ipv4(*source) != is_ipv4(target.group)) {
        return "source must be a unicast address of the group's IP version";
    }
    target.source = *source;
    return "";
}

// "udp/" or "rtp/": the protocol; the rest of the path is returned in `rest`.
std::optional<Protocol> read_protocol(std::string_view& rest) {
    for (Protocol protocol : {Protocol::udp, Protocol::rtp}) {
        const std::string prefix = std::string(to_string(protocol)) + "/";
        if (rest.rfind(prefix, 0) == 0) {
            rest.remove_prefix(prefix.size());
            return protocol;
        }
    }
    return std::nullopt;
}

// The interface: the URL's (iface= or msd_lite's ifname=) where the rules allow one, else the rules'.
std::optional<RelayError> read_iface(const RelayParams& params, const RelayRules& rules, RelayTarget& target) {
    if (params.count("ifindex")) return bad_request("ifindex not supported (use iface=NAME)");
    const size_t given = params.count("iface") + params.count("ifname");
    target.iface = rules.iface;
    if (given == 0) return std::nullopt;
    if (!rules.iface_query) return bad_request("iface not allowed on this relay");
    if (given > 1) return bad_request("iface given more than once");
    auto found = params.find("iface");
    if (found == params.end()) found = params.find("ifname");
    if (!is_interface_name(found->second)) return bad_request("bad iface " + shown(found->second));
    target.iface = found->second;
    target.iface_from_query = target.iface != rules.iface;
    return std::nullopt;
}

std::string upstream_text(const RelayTarget& target) {
    std::string text = "udp://" + host_text(target.group) + ":" + std::to_string(target.port);
    const char* separator = "?";
    if (!target.iface.empty()) {
        text += separator + ("iface=" + target.iface);
        separator = "&";
    }
    if (target.source) text += separator + ("source=" + to_string(*target.source));
    return text;
}

}  // namespace

bool operator==(const RelayRules& a, const RelayRules& b) {
    return a.groups == b.groups && a.iface == b.iface && a.iface_query == b.iface_query;
}

std::variant<RelayTarget, RelayError> parse_relay_request(std::string_view rest, const RelayParams& params,
                                                          const RelayRules& rules) {
    RelayTarget target;
    std::optional<Protocol> protocol = read_protocol(rest);
    if (!protocol) return bad_request(kExpectedForm);
    target.protocol = *protocol;
    const std::string_view address = rest.substr(0, rest.find('/'));  // udpxy ignores what follows
    if (address.empty()) return bad_request(kExpectedForm);

    const size_t at = address.rfind('@');
    std::string error = read_group(at == std::string_view::npos ? address : address.substr(at + 1), target);
    if (error.empty() && at != std::string_view::npos) error = read_source(address.substr(0, at), target);
    if (!error.empty()) return bad_request(std::move(error));
    if (std::optional<RelayError> iface_error = read_iface(params, rules, target)) return *iface_error;

    auto contains_group = [&target](const Cidr& allowed) { return allowed.contains(target.group); };
    if (std::none_of(rules.groups.begin(), rules.groups.end(), contains_group))
        return RelayError{403, "group " + to_string(target.group) + " not allowed"};
    return target;
}

Parsed<UpstreamUrl> relay_upstream(const RelayTarget& target) { return parse_upstream_url(upstream_text(target)); }

std::string relay_key(const RelayTarget& target) { return upstream_text(target); }

std::string relay_display_path(std::string_view serve, const RelayTarget& target) {
    std::string path = std::string(serve) + "udp/" + address_text(target);
    if (target.iface_from_query) path += "?iface=" + target.iface;
    return path;
}

bool is_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && std::string_view("/:%&#?=").find(c) == std::string_view::npos;
    });
}

const char* to_string(RelayTarget::Protocol protocol) { return protocol == Protocol::rtp ? "rtp" : "udp"; }
