// relay_url_test.cpp - parse_relay_request: every URL form of udpxy and msd_lite, IPv6, SSM, each
// error with its status, the groups rule and iface/ifacequery; relay_upstream, relay_key and
// relay_display_path; is_interface_name.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "common/net/relay_url.h"

namespace {

using Protocol = RelayTarget::Protocol;

RelayRules rules(std::initializer_list<const char*> groups, std::string iface = "", bool iface_query = false) {
    RelayRules out;
    for (const char* group : groups) out.groups.push_back(*parse_cidr(group));
    out.iface = std::move(iface);
    out.iface_query = iface_query;
    return out;
}

const RelayRules kAnyGroup = rules({"224.0.0.0/4", "ff00::/8"});

RelayTarget target_of(std::string_view rest, const RelayParams& params = {}, const RelayRules& with = kAnyGroup) {
    auto result = parse_relay_request(rest, params, with);
    const RelayError* error = std::get_if<RelayError>(&result);
    INFO(rest << " -> " << (error ? error->reason : ""));
    REQUIRE(std::holds_alternative<RelayTarget>(result));
    return std::get<RelayTarget>(result);
}

RelayError error_of(std::string_view rest, const RelayParams& params = {}, const RelayRules& with = kAnyGroup) {
    auto result = parse_relay_request(rest, params, with);
    INFO(rest);
    REQUIRE(std::holds_alternative<RelayError>(result));
    return std::get<RelayError>(result);
}

// The 400 reason for `rest`, checking the status on the way.
std::string bad_request(std::string_view rest, const RelayParams& params = {}, const RelayRules& with = kAnyGroup) {
    RelayError error = error_of(rest, params, with);
    CHECK(error.status == 400);
    return error.reason;
}

IpAddress ip(const char* text) { return *parse_ip_address(text); }

}  // namespace

TEST_CASE("parse_relay_request: udpxy's and msd_lite's /udp/GROUP:PORT and /rtp/GROUP:PORT", "[relay_url]") {
    RelayTarget udp = target_of("udp/239.1.2.3:1234");
    CHECK(udp.protocol == Protocol::udp);
    CHECK(udp.group == ip("239.1.2.3"));
    CHECK(udp.port == 1234);
    CHECK_FALSE(udp.source);
    CHECK(udp.iface.empty());
    CHECK_FALSE(udp.iface_from_query);

    RelayTarget rtp = target_of("rtp/239.1.2.3:5000");
    CHECK(rtp.protocol == Protocol::rtp);
    CHECK(rtp.group == ip("239.1.2.3"));
    CHECK(rtp.port == 5000);
    CHECK(target_of("udp/224.0.0.1:65535").port == 65535);
}

TEST_CASE("parse_relay_request: udpxy's other separators, msd_lite's default port, a trailing name", "[relay_url]") {
    for (const char* rest : {"udp/239.1.2.3~1234", "udp/239.1.2.3+1234", "udp/239.1.2.3-1234", "udp/239.1.2.3^1234"}) {
        INFO(rest);
        CHECK(target_of(rest).port == 1234);
    }
    CHECK(target_of("udp/239.1.2.3").port == 1234);  // msd_lite joins port 1234 when none is named
    CHECK(target_of("udp/[ff3e::1]").port == 1234);
    // udpxy reads the port and ignores what follows it; playlists add a name or a slash.
    CHECK(target_of("udp/239.1.2.3:1234/").port == 1234);
    CHECK(target_of("udp/239.1.2.3:1234/channel-1.ts").port == 1234);
    CHECK(target_of("rtp/10.0.0.1@239.1.2.3:1234/x").source == ip("10.0.0.1"));
}

TEST_CASE("parse_relay_request: IPv6 groups in brackets", "[relay_url]") {
    RelayTarget target = target_of("udp/[ff3e::1]:1234");
    CHECK(target.group == ip("ff3e::1"));
    CHECK(target.port == 1234);
    CHECK(target_of("rtp/[FF3E:0::0001]:5000").group == ip("ff3e::1"));
    CHECK(bad_request("udp/ff3e::1:1234") == "bad group \"ff3e::1:1234\": IPv6 literal needs brackets, e.g. [::1]");
    CHECK(bad_request("udp/[ff3e::1:1234") == "bad group \"[ff3e::1:1234\": unterminated IPv6 literal");
    CHECK(bad_request("udp/[ff3e::1]~1234").rfind("bad group \"[ff3e::1]~1234\": unexpected", 0) == 0);
}

TEST_CASE("parse_relay_request: source-specific multicast, SOURCE@GROUP", "[relay_url]") {
    RelayTarget v4 = target_of("udp/10.0.0.1@239.1.2.3:1234");
    REQUIRE(v4.source);
    CHECK(*v4.source == ip("10.0.0.1"));
    CHECK(v4.group == ip("239.1.2.3"));

    RelayTarget v6 = target_of("udp/[2001:db8::1]@[ff3e::1]:1234");
    REQUIRE(v6.source);
    CHECK(*v6.source == ip("2001:db8::1"));
    CHECK(target_of("udp/2001:db8::1@[ff3e::1]:1234").source == ip("2001:db8::1"));  // brackets optional left of '@'

    const std::string unicast = "source must be a unicast address of the group's IP version";
    CHECK(bad_request("udp/[2001:db8::1]@239.1.2.3:1234") == unicast);
    CHECK(bad_request("udp/10.0.0.1@[ff3e::1]:1234") == unicast);
    CHECK(bad_request("udp/239.9.9.9@239.1.2.3:1234") == unicast);
    CHECK(bad_request("udp/0.0.0.0@239.1.2.3:1234") == unicast);
    CHECK(bad_request("udp/[::]@[ff3e::1]:1234") == unicast);
    CHECK(bad_request("udp/@239.1.2.3:1234") == "bad source address \"\"");
    CHECK(bad_request("udp/host.example@239.1.2.3:1234") == "bad source address \"host.example\"");
    CHECK(bad_request("udp/a@b@239.1.2.3:1234") == "bad source address \"a@b\"");
}

TEST_CASE("parse_relay_request: malformed URLs are 400 with what is wrong", "[relay_url]") {
    const std::string form = "expected /udp/GROUP:PORT or /rtp/GROUP:PORT";
    for (const char* rest : {"", "udp", "udp/", "rtp/", "udp//239.1.2.3:1234", "tcp/239.1.2.3:1234", "UDP/239.1.2.3:1234",
                             "/udp/239.1.2.3:1234", "status", "udp/:1234"}) {
        CHECK(bad_request(rest) == form);
    }
    CHECK(bad_request("udp/239.1.2.3:0") == "bad port \"0\"");
    CHECK(bad_request("udp/239.1.2.3:65536") == "bad port \"65536\"");
    CHECK(bad_request("udp/239.1.2.3:12ab") == "bad port \"12ab\"");
    CHECK(bad_request("udp/239.1.2.3:") == "bad port \"\"");
    CHECK(bad_request("udp/239.1.2.3:-1") == "bad port \"-1\"");
    CHECK(bad_request("udp/239.1.2:1234") == "bad group address \"239.1.2\"");
    CHECK(bad_request("udp/tv.example:1234") == "bad group address \"tv.example\"");
    CHECK(bad_request("udp/10.0.0.1:1234") == "not a multicast group: 10.0.0.1");
    CHECK(bad_request("udp/[2001:db8::1]:1234") == "not a multicast group: 2001:db8::1");
    CHECK(bad_request("udp/240.0.0.1:1234") == "not a multicast group: 240.0.0.1");
    // A client's text is quoted on one line and cut short.
    CHECK(bad_request("udp/239.1.2.3:\n1") == "bad port \"\\n1\"");
    const std::string long_port(200, '9');
    CHECK(bad_request("udp/239.1.2.3:" + long_port) == "bad port \"" + std::string(64, '9') + "...\"");
}

TEST_CASE("parse_relay_request: groups outside the relay's groups are 403", "[relay_url]") {
    const RelayRules narrow = rules({"239.1.0.0/16", "ff3e::/16"});
    CHECK(target_of("udp/239.1.2.3:1234", {}, narrow).group == ip("239.1.2.3"));
    CHECK(target_of("udp/[ff3e::1]:1234", {}, narrow).group == ip("ff3e::1"));
    RelayError outside = error_of("udp/238.1.1.1:1234", {}, narrow);
    CHECK(outside.status == 403);
    CHECK(outside.reason == "group 238.1.1.1 not allowed");
    CHECK(error_of("rtp/[ff05::1]:1234", {}, narrow).reason == "group ff05::1 not allowed");
    CHECK(error_of("udp/10.0.0.1@239.2.0.1:1234", {}, narrow).status == 403);
    CHECK(error_of("udp/239.1.2.3:1234", {}, rules({})).status == 403);  // no groups: nothing is allowed
    // A malformed URL is 400 even for a group outside: the URL is read before the rules.
    CHECK(error_of("udp/238.1.1.1:0", {}, narrow).status == 400);
}

TEST_CASE("parse_relay_request: the interface, from the relay or, where allowed, from ?iface=", "[relay_url]") {
    const RelayRules fixed = rules({"239.0.0.0/8"}, "eth1");
    CHECK(target_of("udp/239.1.2.3:1234", {}, fixed).iface == "eth1");
    CHECK(target_of("udp/239.1.2.3:1234", {{"token", "x"}}, fixed).iface == "eth1");  // other parameters are ignored
    CHECK(bad_request("udp/239.1.2.3:1234", {{"iface", "eth2"}}, fixed) == "iface not allowed on this relay");
    CHECK(bad_request("udp/239.1.2.3:1234", {{"ifname", "eth2"}}, fixed) == "iface not allowed on this relay");
    CHECK(bad_request("udp/239.1.2.3:1234", {{"ifindex", "2"}}, fixed) == "ifindex not supported (use iface=NAME)");

    const RelayRules open = rules({"239.0.0.0/8"}, "eth1", true);
    RelayTarget chosen = target_of("udp/239.1.2.3:1234", {{"iface", "eth2"}}, open);
    CHECK(chosen.iface == "eth2");
    CHECK(chosen.iface_from_query);
    CHECK(target_of("udp/239.1.2.3:1234", {{"ifname", "vlan777"}}, open).iface == "vlan777");  // msd_lite's name
    RelayTarget same = target_of("udp/239.1.2.3:1234", {{"iface", "eth1"}}, open);
    CHECK(same.iface == "eth1");
    CHECK_FALSE(same.iface_from_query);  // the relay's own interface: the same stream as without it
    CHECK(target_of("udp/239.1.2.3:1234", {}, open).iface == "eth1");
    CHECK(target_of("udp/239.1.2.3:1234", {{"iface", "eth2"}}, rules({"239.0.0.0/8"}, "", true)).iface == "eth2");

    CHECK(bad_request("udp/239.1.2.3:1234", {{"iface", ""}}, open) == "bad iface \"\"");
    CHECK(bad_request("udp/239.1.2.3:1234", {{"iface", "eth0&source=1.2.3.4"}}, open) ==
          "bad iface \"eth0&source=1.2.3.4\"");
    CHECK(bad_request("udp/239.1.2.3:1234", {{"iface", "a"}, {"iface", "b"}}, open) == "iface given more than once");
    CHECK(bad_request("udp/239.1.2.3:1234", {{"iface", "a"}, {"ifname", "b"}}, open) == "iface given more than once");
}

TEST_CASE("relay_upstream: the udp upstream URL with iface and source", "[relay_url]") {
    auto upstream = [](std::string_view rest, const RelayParams& params = {}, const RelayRules& with = kAnyGroup) {
        Parsed<UpstreamUrl> url = relay_upstream(target_of(rest, params, with));
        INFO(rest << " -> " << url.error());
        REQUIRE(url);
        CHECK(url->scheme == UpstreamUrl::Scheme::udp);
        return *url;
    };
    UpstreamUrl plain = upstream("rtp/239.1.2.3:1234");
    CHECK(plain.text == "udp://239.1.2.3:1234");
    CHECK(plain.host == "239.1.2.3");
    CHECK(plain.port == 1234);
    CHECK(plain.query.empty());

    UpstreamUrl ssm = upstream("udp/[2001:db8::1]@[ff3e::1]:5000", {}, rules({"ff3e::/16"}, "eth1"));
    CHECK(ssm.text == "udp://[ff3e::1]:5000?iface=eth1&source=2001:db8::1");
    CHECK(ssm.host == "ff3e::1");
    CHECK(ssm.query == std::map<std::string, std::string>{{"iface", "eth1"}, {"source", "2001:db8::1"}});
    CHECK(upstream("udp/10.0.0.1@239.1.2.3:1234").text == "udp://239.1.2.3:1234?source=10.0.0.1");
}

TEST_CASE("relay_key: one key per socket, so udp and rtp of one group share a stream", "[relay_url]") {
    auto key = [](std::string_view rest, const RelayParams& params = {}, const RelayRules& with = kAnyGroup) {
        return relay_key(target_of(rest, params, with));
    };
    CHECK(key("udp/239.1.2.3:1234") == key("rtp/239.1.2.3:1234"));
    CHECK(key("udp/239.1.2.3:1234") == key("udp/239.1.2.3~1234/name.ts"));
    CHECK(key("udp/[FF3E::0:1]:1234") == key("udp/[ff3e::1]:1234"));
    CHECK(key("udp/239.1.2.3") == key("udp/239.1.2.3:1234"));
    CHECK(key("udp/239.1.2.3:1234") != key("udp/239.1.2.3:1235"));
    CHECK(key("udp/239.1.2.3:1234") != key("udp/239.1.2.4:1234"));
    CHECK(key("udp/239.1.2.3:1234") != key("udp/10.0.0.1@239.1.2.3:1234"));
    CHECK(key("udp/10.0.0.2@239.1.2.3:1234") != key("udp/10.0.0.1@239.1.2.3:1234"));
    const RelayRules open = rules({"239.0.0.0/8"}, "eth1", true);
    CHECK(key("udp/239.1.2.3:1234", {}, open) == key("udp/239.1.2.3:1234", {{"iface", "eth1"}}, open));
    CHECK(key("udp/239.1.2.3:1234", {}, open) != key("udp/239.1.2.3:1234", {{"iface", "eth2"}}, open));
}

TEST_CASE("relay_display_path: the shared stream's path, the same for every spelling", "[relay_url]") {
    auto path = [](std::string_view serve, std::string_view rest, const RelayParams& params = {},
                   const RelayRules& with = kAnyGroup) { return relay_display_path(serve, target_of(rest, params, with)); };
    CHECK(path("/", "rtp/239.1.2.3:1234") == "/udp/239.1.2.3:1234");
    CHECK(path("/tv/", "udp/239.1.2.3^1234/x.ts") == "/tv/udp/239.1.2.3:1234");
    CHECK(path("/", "udp/[2001:DB8::1]@[FF3E::1]") == "/udp/[2001:db8::1]@[ff3e::1]:1234");
    const RelayRules open = rules({"239.0.0.0/8"}, "eth1", true);
    CHECK(path("/", "udp/239.1.2.3:1234", {{"iface", "eth1"}}, open) == "/udp/239.1.2.3:1234");
    CHECK(path("/", "udp/239.1.2.3:1234", {{"ifname", "eth2"}}, open) == "/udp/239.1.2.3:1234?iface=eth2");
}

TEST_CASE("is_interface_name: what can name an interface and pass through the upstream URL", "[relay_url]") {
    for (const char* name : {"eth0", "eth1.100", "vlan777", "enp0s31f6", "br-lan", "wg_0", "a", "abcdefghijklmno"}) {
        INFO(name);
        CHECK(is_interface_name(name));
    }
    for (const char* name : {"", "abcdefghijklmnop", ".", "..", "eth/0", "eth 0", "eth:0", "eth\t0", "a%20", "a&b", "a#",
                             "a?b", "a=b", "eth\x7f"}) {
        INFO(name);
        CHECK_FALSE(is_interface_name(name));
    }
}

TEST_CASE("parse_relay_request: a reason stays one line whatever the client sent", "[relay_url]") {
    const std::string nul_host = std::string("udp/239.1.2.") + std::string(3, '\0') + ":1234";
    CHECK(bad_request(nul_host) == "bad group \"239.1.2.\\x00\\x00\\x00:1234\": invalid host \"239.1.2.\\x00\\x00\\x00\"");
    const std::string long_host = "udp/" + std::string(300, 'a') + "\n:1234";
    const std::string reason = bad_request(long_host);
    CHECK(reason.find('\n') == std::string::npos);
    CHECK(reason.size() < 250);
}
