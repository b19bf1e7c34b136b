// relay_url.h - the request URLs of the multicast relay, in the forms udpxy's and msd_lite's users
// already have in their playlists (/udp/GROUP:PORT, /rtp/GROUP:PORT, /udp/SOURCE@GROUP:PORT,
// [IPv6] groups): what a URL asks for, whether the relay's rules let it, and the udp upstream that
// serves it. Pure; no I/O, any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/config/ip_filter.h"
#include "common/net/url.h"
#include "common/parsed.h"

// What a relay resource lets its URLs name: its `groups`, `iface` and `ifacequery` keys.
struct RelayRules {
    std::vector<Cidr> groups;  // a group must be inside one of these (each a multicast prefix)
    std::string iface;         // the interface to join on; empty = the one the route to the group gives
    bool iface_query = false;  // whether the URL's ?iface= (or msd_lite's ?ifname=) may choose another
};
bool operator==(const RelayRules& a, const RelayRules& b);
inline bool operator!=(const RelayRules& a, const RelayRules& b) { return !(a == b); }

// One group to relay, as a request named it.
struct RelayTarget {
    // rtp is accepted for udpxy's URLs; the udp upstream removes RTP headers whenever they come,
    // so both name the same socket and the same stream (see relay_key).
    enum class Protocol { udp, rtp };
    Protocol protocol = Protocol::udp;
    IpAddress group;                 // multicast, inside the rules' groups
    uint16_t port = 0;
    std::optional<IpAddress> source; // source-specific multicast: unicast, of the group's IP version
    std::string iface;               // where to join: the URL's where the rules allow it, else the rules'; may be empty
    bool iface_from_query = false;   // the URL chose an interface other than the rules' own
};

// Why a request cannot be served: 400 for a malformed URL, 403 for a group outside `groups`.
struct RelayError {
    int status = 400;
    std::string reason;  // one line, e.g. "bad port \"99999\"" or "group 238.1.1.1 not allowed"
};

// The query parameters as httplib's Request::params holds them (names and values decoded).
using RelayParams = std::multimap<std::string, std::string>;

// `rest` is the request path after the relay's serve prefix, percent-decoded as httplib's
// Request::path is (so "%40" has become '@' already): "udp/239.1.2.3:1234". Accepted:
//   udp/GROUP:PORT  rtp/GROUP:PORT   (udpxy, msd_lite)
//   udp/SOURCE@GROUP:PORT            (source-specific multicast, udpxy)
//   udp/[ff3e::1]:1234  udp/[2001:db8::1]@[ff3e::1]:1234   (IPv6 in brackets)
//   udp/239.1.2.3~1234              (udpxy's other separators ~ + - ^, IPv4 only)
//   udp/239.1.2.3                   (no port: 1234, as msd_lite)
//   udp/239.1.2.3:1234/ANYTHING     (the rest ignored, as udpxy does; players like a name there)
// Parameters: iface=NAME or ifname=NAME (msd_lite's); others are ignored, as both peers do.
std::variant<RelayTarget, RelayError> parse_relay_request(std::string_view rest, const RelayParams& params,
                                                          const RelayRules& rules);

// The udp upstream that joins the target's group, through parse_upstream_url so that it is the
// same multicast join a configured udp remote gets: udp://GROUP:PORT?iface=NAME&source=ADDR.
// It parses for every target parse_relay_request returns.
Parsed<UpstreamUrl> relay_upstream(const RelayTarget& target);

// One string per socket, so that viewers of one group share one stream: the upstream URL's text.
// udp and rtp of one group are one key (one socket; RTP is removed either way), as in udpxy.
std::string relay_key(const RelayTarget& target);

// The shared stream's path for logs and statistics: `serve` + "udp/[SOURCE@]GROUP:PORT" in the
// addresses' usual text, plus "?iface=NAME" when the URL chose the interface. One per key.
std::string relay_display_path(std::string_view serve, const RelayTarget& target);

// A name that can be a network interface's: 1 to 15 bytes (IFNAMSIZ - 1), printable ASCII, not
// "." or "..", without '/' or ':' (the kernel refuses them) and without %&#?= (no interface has
// them, and they would need escaping in the upstream URL).
bool is_interface_name(std::string_view name);

const char* to_string(RelayTarget::Protocol protocol);  // "udp", "rtp"
