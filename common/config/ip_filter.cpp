// ip_filter.cpp - address parsing with inet_pton, prefix matching on 16-byte addresses, and the
// right-to-left walk over X-Forwarded-For.
#include "common/config/ip_filter.h"

#include <arpa/inet.h>

#include <algorithm>

#include "common/text.h"

namespace {

constexpr unsigned kIpv4MappedBits = 96;  // ::ffff:0:0/96 holds every IPv4 address

// Clears every bit at or after `prefix`.
IpAddress masked(IpAddress address, unsigned prefix) {
    for (unsigned i = 0; i < address.bytes.size(); ++i) {
        const unsigned first_bit = i * 8;
        if (prefix >= first_bit + 8) continue;
        const unsigned kept = prefix > first_bit ? prefix - first_bit : 0;
        address.bytes[i] &= static_cast<uint8_t>(0xff00u >> kept);
    }
    return address;
}

// A decimal prefix length no larger than `max`, without sign or leading zeros ("/08" would read as
// octal to some tools, so it is refused rather than guessed).
std::optional<unsigned> parse_prefix_length(std::string_view digits, unsigned max) {
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
    unsigned value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool is_trusted(const IpAddress& address, const std::vector<Cidr>& trusted) {
    return std::any_of(trusted.begin(), trusted.end(), [&](const Cidr& cidr) { return cidr.contains(address); });
}

// A port as proxies append it to an address: 1 to 5 digits (its value does not matter here).
bool is_port(std::string_view digits) {
    return !digits.empty() && digits.size() <= 5 &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One X-Forwarded-For entry's address: the text that names it, and the address itself.
struct Hop {
    std::string_view text;
    IpAddress address;
};

// "192.0.2.7", "2001:db8::1", "192.0.2.7:4711", "[2001:db8::1]" or "[2001:db8::1]:4711"; nullopt for
// anything else. A single colon can only be a port: an IPv6 address has at least two.
std::optional<Hop> parse_hop(std::string_view entry) {
    std::string_view text = entry;
    const size_t colon = entry.find(':');
    if (!entry.empty() && entry.front() == '[') {
        const size_t close = entry.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        text = entry.substr(1, close - 1);
        const std::string_view after = entry.substr(close + 1);
        if (text.find(':') == std::string_view::npos) return std::nullopt;  // brackets hold IPv6 only
        if (!after.empty() && !(after.front() == ':' && is_port(after.substr(1)))) return std::nullopt;
    } else if (colon != std::string_view::npos && colon == entry.rfind(':')) {
        if (!is_port(entry.substr(colon + 1))) return std::nullopt;
        text = entry.substr(0, colon);
    }
    std::optional<IpAddress> address = parse_ip_address(text);
    if (!address) return std::nullopt;
    return Hop{text, *address};
}

// The non-empty elements of comma-separated field lines, left to right, trimmed.
std::vector<std::string_view> list_elements(const std::vector<std::string_view>& lines) {
    std::vector<std::string_view> elements;
    for (std::string_view line : lines) {
        for (size_t start = 0; start <= line.size();) {
            size_t comma = line.find(',', start);
            if (comma == std::string_view::npos) comma = line.size();
            const std::string_view element = trim(line.substr(start, comma - start));
            if (!element.empty()) elements.push_back(element);
            start = comma + 1;
        }
    }
    return elements;
}

}  // namespace

bool operator==(const IpAddress& a, const IpAddress& b) { return a.bytes == b.bytes; }

std::optional<IpAddress> parse_ip_address(std::string_view text) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    const std::string terminated(text);  // inet_pton wants a C string
    IpAddress address;
    if (terminated.find(':') != std::string::npos) {
        if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) != 1) return std::nullopt;
        return address;
    }
    address.bytes[10] = 0xff;
    address.bytes[11] = 0xff;
    if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data() + 12) != 1) return std::nullopt;
    return address;
}

bool is_ipv4(const IpAddress& address) {
    static const Cidr kMapped = *parse_cidr("::ffff:0:0/96");
    return kMapped.contains(address);
}

std::string to_string(const IpAddress& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (is_ipv4(address)) inet_ntop(AF_INET, address.bytes.data() + 12, text, sizeof text);
    else inet_ntop(AF_INET6, address.bytes.data(), text, sizeof text);
    return text;
}

bool Cidr::contains(const IpAddress& address) const { return masked(address, prefix) == network; }

bool operator==(const Cidr& a, const Cidr& b) { return a.prefix == b.prefix && a.network == b.network; }

Parsed<Cidr> parse_cidr(std::string_view text) {
    if (text.empty()) return ParseError{"empty address"};
    const size_t slash = text.find('/');
    const std::string_view address_text = text.substr(0, slash);
    std::optional<IpAddress> address = parse_ip_address(address_text);
    if (!address) return ParseError{"invalid address " + quoted(address_text) + " (expected an IPv4 or IPv6 address)"};
    // An IPv4 rule is written in IPv4 bits even though it is stored mapped.
    const bool ipv4 = address_text.find(':') == std::string_view::npos;
    const unsigned max = ipv4 ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        std::optional<unsigned> parsed = parse_prefix_length(digits, max);
        if (!parsed) {
            return ParseError{"invalid prefix " + quoted("/" + std::string(digits)) + " (expected /0 to /" +
                              std::to_string(max) + ")"};
        }
        prefix = *parsed;
    }
    if (ipv4) prefix += kIpv4MappedBits;
    Cidr cidr;
    cidr.prefix = prefix;
    cidr.network = masked(*address, prefix);
    cidr.text = std::string(text);
    return cidr;
}

namespace {

const Cidr& ipv4_multicast() {
    static const Cidr kGroups = *parse_cidr("224.0.0.0/4");
    return kGroups;
}

const Cidr& ipv6_multicast() {
    static const Cidr kGroups = *parse_cidr("ff00::/8");
    return kGroups;
}

}  // namespace

bool is_multicast(const IpAddress& address) {
    return ipv4_multicast().contains(address) || ipv6_multicast().contains(address);
}

bool is_multicast(const Cidr& network) {
    auto inside = [&network](const Cidr& range) { return network.prefix >= range.prefix && range.contains(network.network); };
    return inside(ipv4_multicast()) || inside(ipv6_multicast());
}

bool IpFilter::allows(const IpAddress& address) const {
    for (const Cidr& cidr : deny_) {
        if (cidr.contains(address)) return false;
    }
    if (allow_.empty()) return true;
    return std::any_of(allow_.begin(), allow_.end(), [&](const Cidr& cidr) { return cidr.contains(address); });
}

bool IpFilter::allows(std::string_view address) const {
    std::optional<IpAddress> parsed = parse_ip_address(address);
    if (parsed) return allows(*parsed);
    return empty();
}

bool operator==(const IpFilter& a, const IpFilter& b) {
    return a.allow_list() == b.allow_list() && a.deny_list() == b.deny_list();
}

std::string effective_client(std::string_view peer_ip, const std::vector<std::string_view>& x_forwarded_for,
                             const std::vector<Cidr>& trusted_proxies) {
    std::string client(peer_ip);
    std::optional<IpAddress> peer_address = parse_ip_address(peer_ip);
    if (!peer_address || !is_trusted(*peer_address, trusted_proxies)) return client;
    const std::vector<std::string_view> hops = list_elements(x_forwarded_for);
    for (auto entry = hops.rbegin(); entry != hops.rend(); ++entry) {
        std::optional<Hop> hop = parse_hop(*entry);
        if (!hop) return std::string(kUnknownClient);
        client = std::string(hop->text);
        if (!is_trusted(hop->address, trusted_proxies)) break;
    }
    // With every hop one of ours, the request started at the leftmost.
    return client;
}

bool is_trusted_peer(std::string_view peer_ip, const std::vector<Cidr>& trusted_proxies) {
    const std::optional<IpAddress> peer_address = parse_ip_address(peer_ip);
    return peer_address && is_trusted(*peer_address, trusted_proxies);
}
