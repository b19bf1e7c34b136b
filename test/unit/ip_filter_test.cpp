// ip_filter_test.cpp - parse_ip_address, parse_cidr (every kind of bad input), Cidr::contains across
// IPv4, IPv6 and IPv4-mapped peers, IpFilter's allow/deny rules and effective_client().
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/config/ip_filter.h"
#include "test/unit/parsed_checks.h"

namespace {

Cidr cidr(const std::string& text) {
    Cidr network = value_of(parse_cidr(text), text);
    CHECK(network.text == text);
    return network;
}

std::string cidr_error(const std::string& text) { return error_of(parse_cidr(text), text); }

IpAddress ip(const std::string& text) {
    auto address = parse_ip_address(text);
    INFO(text);
    REQUIRE(address);
    return *address;
}

std::vector<Cidr> cidrs(std::initializer_list<const char*> texts) {
    std::vector<Cidr> out;
    for (const char* text : texts) out.push_back(cidr(text));
    return out;
}

}  // namespace

TEST_CASE("parse_ip_address: literal IPv4 and IPv6 only", "[ip_filter]") {
    CHECK(parse_ip_address("1.2.3.4"));
    CHECK(parse_ip_address("::1"));
    CHECK(parse_ip_address("2001:db8::8:800:200c:417a"));
    CHECK(parse_ip_address("::ffff:1.2.3.4"));
    // The mapped and the plain form are one address.
    CHECK(ip("::ffff:1.2.3.4") == ip("1.2.3.4"));
    CHECK(ip("::ffff:102:304") == ip("1.2.3.4"));
    CHECK(ip("::1.2.3.4") != ip("1.2.3.4"));  // the deprecated IPv4-compatible form is another address
    for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
                            "[::1]", "::1%lo", "fe80::1%eth0", "1.2.3.4:80", ":::", "1::2::3", "::g"}) {
        INFO(bad);
        CHECK_FALSE(parse_ip_address(bad));
    }
}

TEST_CASE("parse_cidr: networks and bare addresses", "[ip_filter]") {
    CHECK(cidr("10.0.0.0/8").prefix == 96 + 8);
    CHECK(cidr("192.168.1.5").prefix == 96 + 32);  // a bare address is a /32
    CHECK(cidr("::1").prefix == 128);
    CHECK(cidr("::1/128").prefix == 128);
    CHECK(cidr("2001:db8::/32").prefix == 32);
    CHECK(cidr("0.0.0.0/0").prefix == 96);
    CHECK(cidr("::/0").prefix == 0);
    // Host bits are dropped: these are the same network.
    CHECK(cidr("10.1.2.3/8") == cidr("10.0.0.0/8"));
    CHECK(cidr("10.1.2.3/8").network == ip("10.0.0.0"));
    CHECK(cidr("2001:db8::1/32") == cidr("2001:db8::/32"));
    CHECK(cidr("10.0.0.0/8") != cidr("10.0.0.0/9"));
    CHECK(cidr("::ffff:10.0.0.0/104") == cidr("10.0.0.0/8"));
}

TEST_CASE("parse_cidr: errors name the bad part", "[ip_filter]") {
    CHECK(cidr_error("") == "empty address");
    CHECK(cidr_error("10.0.0.0/33") == "invalid prefix \"/33\" (expected /0 to /32)");
    CHECK(cidr_error("::/129") == "invalid prefix \"/129\" (expected /0 to /128)");
    CHECK(cidr_error("::ffff:1.2.3.4/129") == "invalid prefix \"/129\" (expected /0 to /128)");
    CHECK(cidr_error("10.0.0.0/") == "invalid prefix \"/\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/-1") == "invalid prefix \"/-1\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/+8") == "invalid prefix \"/+8\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/08") == "invalid prefix \"/08\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/8 ") == "invalid prefix \"/8 \" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/1000") == "invalid prefix \"/1000\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/8/8") == "invalid prefix \"/8/8\" (expected /0 to /32)");
    CHECK(cidr_error("10.0.0.0/255.0.0.0") == "invalid prefix \"/255.0.0.0\" (expected /0 to /32)");
    CHECK(cidr_error("garbage") == "invalid address \"garbage\" (expected an IPv4 or IPv6 address)");
    CHECK(cidr_error("/8") == "invalid address \"\" (expected an IPv4 or IPv6 address)");
    CHECK(cidr_error("10.0.0/8") == "invalid address \"10.0.0\" (expected an IPv4 or IPv6 address)");
    CHECK(cidr_error("10.0.0.256/8") == "invalid address \"10.0.0.256\" (expected an IPv4 or IPv6 address)");
    CHECK(cidr_error("[::1]/128") == "invalid address \"[::1]\" (expected an IPv4 or IPv6 address)");
    CHECK(cidr_error(" 10.0.0.0/8") == "invalid address \" 10.0.0.0\" (expected an IPv4 or IPv6 address)");
}

TEST_CASE("Cidr::contains: prefix boundaries, IPv4-mapped peers", "[ip_filter]") {
    const Cidr ten = cidr("10.0.0.0/8");
    CHECK(ten.contains(ip("10.0.0.0")));
    CHECK(ten.contains(ip("10.255.255.255")));
    CHECK_FALSE(ten.contains(ip("11.0.0.0")));
    CHECK_FALSE(ten.contains(ip("9.255.255.255")));
    // A dual-stack socket reports IPv4 peers mapped; IPv4 rules still apply.
    CHECK(ten.contains(ip("::ffff:10.1.2.3")));
    CHECK_FALSE(ten.contains(ip("::ffff:11.1.2.3")));
    // ... but no native IPv6 address falls into an IPv4 rule.
    CHECK_FALSE(ten.contains(ip("::a01:203")));
    CHECK_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));
    CHECK(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));

    const Cidr odd = cidr("192.168.1.128/25");  // a prefix that splits a byte
    CHECK(odd.contains(ip("192.168.1.128")));
    CHECK(odd.contains(ip("192.168.1.255")));
    CHECK_FALSE(odd.contains(ip("192.168.1.127")));

    const Cidr host = cidr("192.168.1.5");
    CHECK(host.contains(ip("192.168.1.5")));
    CHECK_FALSE(host.contains(ip("192.168.1.4")));

    CHECK(cidr("::1/128").contains(ip("::1")));
    CHECK_FALSE(cidr("::1/128").contains(ip("::2")));
    CHECK(cidr("2001:db8::/33").contains(ip("2001:db8:7fff::1")));
    CHECK_FALSE(cidr("2001:db8::/33").contains(ip("2001:db8:8000::1")));
    CHECK(cidr("::/0").contains(ip("2001:db8::1")));
    CHECK(cidr("::/0").contains(ip("1.2.3.4")));  // everything, IPv4 included
}

TEST_CASE("IpFilter: no rules admit everyone, deny wins over allow", "[ip_filter]") {
    const IpFilter open;
    CHECK(open.empty());
    CHECK(open.allows("1.2.3.4"));
    CHECK(open.allows("::1"));
    CHECK(open.allows("not an address"));

    const IpFilter deny_only({}, cidrs({"10.0.0.0/8"}));
    CHECK_FALSE(deny_only.empty());
    CHECK_FALSE(deny_only.allows("10.1.1.1"));
    CHECK_FALSE(deny_only.allows("::ffff:10.1.1.1"));
    CHECK(deny_only.allows("11.1.1.1"));
    CHECK(deny_only.allows("::1"));
    // An unknown client (a proxy forwarded garbage) might be a denied address.
    CHECK_FALSE(deny_only.allows("garbage"));
    CHECK_FALSE(deny_only.allows(kUnknownClient));

    const IpFilter allow_only(cidrs({"192.168.0.0/16", "::1"}), {});
    CHECK(allow_only.allows("192.168.4.4"));
    CHECK(allow_only.allows("::ffff:192.168.4.4"));
    CHECK(allow_only.allows("::1"));
    CHECK_FALSE(allow_only.allows("10.0.0.1"));
    CHECK_FALSE(allow_only.allows("::2"));
    CHECK_FALSE(allow_only.allows("garbage"));
    CHECK_FALSE(allow_only.allows(""));

    const IpFilter both(cidrs({"10.0.0.0/8"}), cidrs({"10.0.0.66"}));
    CHECK(both.allows("10.0.0.65"));
    CHECK_FALSE(both.allows("10.0.0.66"));
    CHECK_FALSE(both.allows(ip("::ffff:10.0.0.66")));
    CHECK_FALSE(both.allows("172.16.0.1"));
}

TEST_CASE("IpFilter: equality compares both lists", "[ip_filter]") {
    CHECK(IpFilter() == IpFilter());
    CHECK(IpFilter(cidrs({"10.0.0.0/8"}), {}) == IpFilter(cidrs({"10.9.9.9/8"}), {}));
    CHECK(IpFilter(cidrs({"10.0.0.0/8"}), {}) != IpFilter({}, cidrs({"10.0.0.0/8"})));
    CHECK(IpFilter(cidrs({"10.0.0.0/8"}), {}) != IpFilter());
    CHECK(IpFilter(cidrs({"10.0.0.0/8", "::1"}), {}) != IpFilter(cidrs({"::1", "10.0.0.0/8"}), {}));
}

TEST_CASE("effective_client: X-Forwarded-For only from trusted proxies", "[ip_filter]") {
    const std::vector<Cidr> trusted = cidrs({"10.0.0.0/8", "::1"});
    // An untrusted peer's header is ignored, whatever it says.
    CHECK(effective_client("203.0.113.9", {"198.51.100.1"}, trusted) == "203.0.113.9");
    CHECK(effective_client("203.0.113.9", {"10.0.0.1"}, trusted) == "203.0.113.9");
    CHECK(effective_client("203.0.113.9", {"garbage"}, trusted) == "203.0.113.9");
    // No trusted proxies at all: always the peer.
    CHECK(effective_client("10.0.0.1", {"198.51.100.1"}, {}) == "10.0.0.1");
    // A trusted peer without a header is the client itself.
    CHECK(effective_client("10.0.0.1", {}, trusted) == "10.0.0.1");
    CHECK(effective_client("10.0.0.1", {""}, trusted) == "10.0.0.1");
    CHECK(effective_client("10.0.0.1", {"  "}, trusted) == "10.0.0.1");
    CHECK(effective_client("10.0.0.1", {" , ,"}, trusted) == "10.0.0.1");

    CHECK(effective_client("10.0.0.1", {"198.51.100.1"}, trusted) == "198.51.100.1");
    CHECK(effective_client("::1", {"2001:db8::5"}, trusted) == "2001:db8::5");
    CHECK(effective_client("::ffff:10.0.0.1", {"198.51.100.1"}, trusted) == "198.51.100.1");  // mapped peer
}

TEST_CASE("effective_client: walks from the right past trusted hops", "[ip_filter]") {
    const std::vector<Cidr> trusted = cidrs({"10.0.0.0/8"});
    // The client may put anything on the left; only the hops our proxies added count.
    CHECK(effective_client("10.0.0.1", {"1.1.1.1, 198.51.100.1"}, trusted) == "198.51.100.1");
    CHECK(effective_client("10.0.0.1", {"1.1.1.1, 198.51.100.1, 10.0.0.2"}, trusted) == "198.51.100.1");
    CHECK(effective_client("10.0.0.1", {"1.1.1.1,198.51.100.1,10.0.0.2,10.0.0.3"}, trusted) == "198.51.100.1");
    CHECK(effective_client("10.0.0.1", {"garbage, 198.51.100.1"}, trusted) == "198.51.100.1");
    CHECK(effective_client("10.0.0.1", {"10.0.0.9, garbage, 198.51.100.1"}, trusted) == "198.51.100.1");
    // Every hop trusted: the request started at the leftmost.
    CHECK(effective_client("10.0.0.1", {"10.0.0.3, 10.0.0.2"}, trusted) == "10.0.0.3");
    CHECK(effective_client("10.0.0.1", {"10.0.0.3", "10.0.0.2"}, trusted) == "10.0.0.3");
    // Empty elements are no hops (RFC 9110 section 5.6.1).
    CHECK(effective_client("10.0.0.1", {"198.51.100.1, , 10.0.0.2,"}, trusted) == "198.51.100.1");
    CHECK(effective_client("10.0.0.1", {"198.51.100.1,\t10.0.0.2"}, trusted) == "198.51.100.1");
}

TEST_CASE("effective_client: several lines are one list, in order", "[ip_filter]") {
    const std::vector<Cidr> trusted = cidrs({"10.0.0.0/8"});
    // HAProxy's option forwardfor adds a line of its own after the client's forged one.
    CHECK(effective_client("10.0.0.1", {"10.1.2.3", "192.0.2.7"}, trusted) == "192.0.2.7");
    CHECK(effective_client("10.0.0.1", {"10.1.2.3, 10.4.5.6", "192.0.2.7"}, trusted) == "192.0.2.7");
    // A chain of our proxies, each appending its own line.
    CHECK(effective_client("10.0.0.1", {"10.1.2.3", "192.0.2.7", "10.0.0.2"}, trusted) == "192.0.2.7");
    CHECK(effective_client("10.0.0.1", {"10.1.2.3", "192.0.2.7, 10.0.0.2", "10.0.0.3"}, trusted) == "192.0.2.7");
    // Lines are not reordered: the last line's hops are the nearest.
    CHECK(effective_client("10.0.0.1", {"192.0.2.7", "198.51.100.1"}, trusted) == "198.51.100.1");
    // An empty line the client sent changes nothing.
    CHECK(effective_client("10.0.0.1", {"", "192.0.2.7"}, trusted) == "192.0.2.7");
    CHECK(effective_client("10.0.0.1", {"192.0.2.7", ""}, trusted) == "192.0.2.7");
}

TEST_CASE("effective_client: ports and brackets around a hop's address", "[ip_filter]") {
    const std::vector<Cidr> trusted = cidrs({"10.0.0.0/8", "2001:db8:ffff::/48"});
    CHECK(effective_client("10.0.0.1", {"192.0.2.7:4711"}, trusted) == "192.0.2.7");
    CHECK(effective_client("10.0.0.1", {"[2001:db8::7]"}, trusted) == "2001:db8::7");
    CHECK(effective_client("10.0.0.1", {"[2001:db8::7]:4711"}, trusted) == "2001:db8::7");
    CHECK(effective_client("10.0.0.1", {"192.0.2.7, 10.0.0.2:80"}, trusted) == "192.0.2.7");
    CHECK(effective_client("10.0.0.1", {"10.9.9.9", "[2001:db8:ffff::2]:80"}, trusted) == "10.9.9.9");
    // A bare IPv6 address is not read as address and port, however it ends.
    CHECK(effective_client("10.0.0.1", {"2001:db8::7:80"}, trusted) == "2001:db8::7:80");
    CHECK(effective_client("2001:db8:ffff::1", {"::ffff:192.0.2.7"}, trusted) == "::ffff:192.0.2.7");
    // A trusted hop written with a port is still trusted.
    CHECK(effective_client("10.0.0.1", {"10.3.3.3:1", "10.0.0.2:2"}, trusted) == "10.3.3.3");
}

TEST_CASE("effective_client: an unreadable hop makes the client unknown", "[ip_filter]") {
    const std::vector<Cidr> trusted = cidrs({"10.0.0.0/8"});
    for (const char* header :
         {"garbage", "198.51.100.1, garbage", "garbage, 10.0.0.2", "unknown", "_hidden", "198.51.100.1 10.0.0.2",
          "198.51.100.1:", "198.51.100.1:123456", "198.51.100.1:http", "[198.51.100.1]", "[198.51.100.1]:80",
          "[2001:db8::1", "2001:db8::1]", "[2001:db8::1]80", "[2001:db8::1]:", "[]", "fe80::1%eth0", "10.0.0.2/8",
          "\"10.0.0.2\"", "for=10.0.0.2", "10.0.0.256", "010.0.0.2"}) {
        INFO(header);
        // Never a trusted hop: the walk stops there, wherever the entry is.
        CHECK(effective_client("10.0.0.1", {header}, trusted) == kUnknownClient);
        CHECK(effective_client("10.0.0.1", {header, "10.0.0.2"}, trusted) == kUnknownClient);
    }
    // A hop an untrusted entry already hides is never read.
    CHECK(effective_client("10.0.0.1", {"garbage", "198.51.100.1"}, trusted) == "198.51.100.1");
    // Unknown passes no list: not the proxy's LAN allow-list, nor a deny-list.
    CHECK_FALSE(IpFilter(cidrs({"10.0.0.0/8"}), {}).allows(effective_client("10.0.0.1", {"_hidden"}, trusted)));
    CHECK_FALSE(IpFilter({}, cidrs({"192.0.2.0/24"})).allows(effective_client("10.0.0.1", {"_hidden"}, trusted)));
    CHECK(IpFilter().allows(effective_client("10.0.0.1", {"_hidden"}, trusted)));
    // A peer that is not an address (it never happens with sockets) is returned as it is.
    CHECK(effective_client("unix", {"198.51.100.1"}, trusted) == "unix");
}

TEST_CASE("is_trusted_peer: only peers inside trustedproxies, IPv4 also as mapped IPv6", "[ip_filter]") {
    const std::vector<Cidr> trusted = {*parse_cidr("127.0.0.1/32")};
    CHECK(is_trusted_peer("127.0.0.1", trusted));
    CHECK(is_trusted_peer("::ffff:127.0.0.1", trusted));
    CHECK_FALSE(is_trusted_peer("127.0.0.2", trusted));
    CHECK_FALSE(is_trusted_peer("127.0.0.1", {}));
    CHECK_FALSE(is_trusted_peer("not an address", trusted));
}

TEST_CASE("is_ipv4 and to_string: the usual text whatever the input's spelling", "[ip_filter]") {
    CHECK(is_ipv4(ip("239.1.2.3")));
    CHECK(is_ipv4(ip("::ffff:239.1.2.3")));
    CHECK_FALSE(is_ipv4(ip("ff3e::1")));
    CHECK_FALSE(is_ipv4(ip("::1.2.3.4")));
    CHECK(to_string(ip("239.1.2.3")) == "239.1.2.3");
    CHECK(to_string(ip("::ffff:102:304")) == "1.2.3.4");
    CHECK(to_string(ip("FF3E:0:0::0001")) == "ff3e::1");
    CHECK(to_string(ip("2001:db8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1");
}

TEST_CASE("is_multicast: addresses and whole networks inside 224.0.0.0/4 or ff00::/8", "[ip_filter]") {
    for (const char* group : {"224.0.0.1", "239.255.255.255", "ff3e::1", "ff02::1", "::ffff:239.1.1.1"}) {
        INFO(group);
        CHECK(is_multicast(ip(group)));
    }
    for (const char* unicast : {"223.255.255.255", "240.0.0.1", "10.0.0.1", "fe80::1", "::", "0.0.0.0"}) {
        INFO(unicast);
        CHECK_FALSE(is_multicast(ip(unicast)));
    }
    for (const char* inside : {"224.0.0.0/4", "239.0.0.0/8", "239.1.2.3", "ff00::/8", "ff3e::/16", "ff3e::1/128"}) {
        INFO(inside);
        CHECK(is_multicast(cidr(inside)));
    }
    for (const char* outside : {"224.0.0.0/3", "10.0.0.0/8", "0.0.0.0/0", "::/0", "fe00::/7", "2001:db8::/32"}) {
        INFO(outside);
        CHECK_FALSE(is_multicast(cidr(outside)));
    }
}
