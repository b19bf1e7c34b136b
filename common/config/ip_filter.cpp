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
    return allow_.empty();
}

bool operator==(const IpFilter& a, const IpFilter& b) {
    return a.allow_list() == b.allow_list() && a.deny_list() == b.deny_list();
}

std::string effective_client(std::string_view peer_ip, std::string_view x_forwarded_for,
                             const std::vector<Cidr>& trusted_proxies) {
    const std::string peer(peer_ip);
    std::optional<IpAddress> peer_address = parse_ip_address(peer_ip);
    if (!peer_address || !is_trusted(*peer_address, trusted_proxies)) return peer;
    if (trim(x_forwarded_for).empty()) return peer;

    std::string_view rest = x_forwarded_for;
    std::string_view entry;
    for (;;) {
        const size_t comma = rest.rfind(',');
        entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        std::optional<IpAddress> hop = parse_ip_address(entry);
        if (!hop) return peer;
        if (!is_trusted(*hop, trusted_proxies)) return std::string(entry);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(0, comma);
    }
    // Every hop is one of ours: the request started at the leftmost.
    return std::string(entry);
}
