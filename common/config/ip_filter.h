// ip_filter.h - IP addresses and CIDR networks, per-resource allow/deny lists, and the client address
// behind trusted reverse proxies (X-Forwarded-For). Pure; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/parsed.h"

// IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so the peer "::ffff:1.2.3.4" of a dual-stack
// socket and a plain "1.2.3.4" are one address and match the same rules.
struct IpAddress {
    std::array<uint8_t, 16> bytes{};
};
bool operator==(const IpAddress& a, const IpAddress& b);
inline bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }

// A literal IPv4 or IPv6 address (no brackets, port or zone); nullopt otherwise.
std::optional<IpAddress> parse_ip_address(std::string_view text);

struct Cidr {
    IpAddress network;    // host bits cleared
    unsigned prefix = 0;  // counted in IPv6 bits: an IPv4 /8 is stored as /104
    std::string text;     // as configured, for messages

    bool contains(const IpAddress& address) const;
};
// Equal when they describe the same network, however written ("10.0.0.1/8" == "10.0.0.0/8").
bool operator==(const Cidr& a, const Cidr& b);
inline bool operator!=(const Cidr& a, const Cidr& b) { return !(a == b); }

// "10.0.0.0/8", "::1/128", or a bare address (a /32 or /128). Host bits below the prefix are
// ignored. The error is one phrase naming the bad part, e.g.
//   invalid prefix "/33" (expected /0 to /32)
Parsed<Cidr> parse_cidr(std::string_view text);

// Who may fetch a resource: a deny match always refuses; otherwise an empty allow list admits
// everyone and a non-empty one only its networks.
class IpFilter {
public:
    IpFilter() = default;
    IpFilter(std::vector<Cidr> allow, std::vector<Cidr> deny) : allow_(std::move(allow)), deny_(std::move(deny)) {}

    bool allows(const IpAddress& address) const;
    // An address that does not parse matches no rule: it passes only when there is no allow list.
    bool allows(std::string_view address) const;
    bool empty() const { return allow_.empty() && deny_.empty(); }

    const std::vector<Cidr>& allow_list() const { return allow_; }
    const std::vector<Cidr>& deny_list() const { return deny_; }

private:
    std::vector<Cidr> allow_;
    std::vector<Cidr> deny_;
};
bool operator==(const IpFilter& a, const IpFilter& b);
inline bool operator!=(const IpFilter& a, const IpFilter& b) { return !(a == b); }

// The address a request really comes from. X-Forwarded-For (several headers joined with ",") is
// believed only when the peer is a trusted proxy; its entries are walked from the right, skipping
// trusted hops, and the first untrusted one is the client (the leftmost when all are trusted).
// An empty header, or an entry on that walk that is not a bare IP address, gives the peer: a hop
// we cannot read is one we cannot vouch for. Entries left of the client are never looked at.
std::string effective_client(std::string_view peer_ip, std::string_view x_forwarded_for,
                             const std::vector<Cidr>& trusted_proxies);
