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
// Whether the address is IPv4 (held mapped, see IpAddress).
bool is_ipv4(const IpAddress& address);
// The address in its usual text: dotted quad for IPv4, RFC 5952's compressed lower case for IPv6
// ("ff3e::1"), so that differently written equal addresses print the same.
std::string to_string(const IpAddress& address);

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

// Multicast: inside 224.0.0.0/4 or ff00::/8. A network counts when all of it is inside.
bool is_multicast(const IpAddress& address);
bool is_multicast(const Cidr& network);

// Who may fetch a resource: a deny match always refuses; otherwise an empty allow list admits
// everyone and a non-empty one only its networks.
class IpFilter {
public:
    IpFilter() = default;
    IpFilter(std::vector<Cidr> allow, std::vector<Cidr> deny) : allow_(std::move(allow)), deny_(std::move(deny)) {}

    bool allows(const IpAddress& address) const;
    // An address that does not parse (kUnknownClient) passes only a filter without rules: it might be
    // any address, a denied one included.
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

// What effective_client() reports for a client that a trusted proxy named with something that is
// not an address (RFC 7239's word for an unknown node). It does not parse, so IpFilter refuses it.
inline constexpr std::string_view kUnknownClient = "unknown";

// The address a request really comes from. `x_forwarded_for` holds the field's lines in the order
// they arrived: they are one list (RFC 9110 section 5.3), so a proxy that appends a line of its own
// after the client's forged one is read right. The list is believed only when the peer is a trusted
// proxy; it is walked from the right past trusted hops, and the first untrusted one is the client
// (the leftmost when all are trusted). Entries left of the client are never looked at: anyone may
// have written them. An entry is an address, maybe with a port ("192.0.2.7:4711", "[2001:db8::1]:80",
// as some proxies write it); empty elements are skipped, as RFC 9110 section 5.6.1 asks.
//
// An entry on the walk that is not an address stops it, and the client is kUnknownClient, never a
// hop we can name. Only a trusted hop can have written that entry, but the peer or the last trusted
// hop would be the wrong answer: a proxy's own address is often inside the allow list (a LAN proxy
// for a LAN-only stream), so whoever that proxy failed to name would be let in. Unknown is refused
// by every resource that has an allow or a deny list, and served where no list applies.
//
// Forwarded (RFC 7239) is not read. When a request carries both fields, which one our proxy wrote
// and which one the client forged cannot be told without being configured, and either fixed order
// lets clients of the other kind of proxy choose their address.
std::string effective_client(std::string_view peer_ip, const std::vector<std::string_view>& x_forwarded_for,
                             const std::vector<Cidr>& trusted_proxies);

// Whether the socket's peer is one of `trusted_proxies`, whose other X-Forwarded-* fields may be believed.
bool is_trusted_peer(std::string_view peer_ip, const std::vector<Cidr>& trusted_proxies);
