// config_relay_test.cpp - the relay resource: its keys and defaults, linger, the one-line errors
// for groups, iface, maxgroups and serve, paths beside streams, and Resource equality over its keys.
#include <catch2/catch.hpp>

#include <string>

#include "test/unit/config_test_support.h"

using namespace config_test;

namespace {

// One relay resource with the given members after "type".
std::string with_relay(const std::string& members) {
    return R"json({"resources": [{"type": "relay", )json" + members + "}]}";
}

const char* const kMinimal = R"json("serve": "/", "groups": ["239.0.0.0/8"])json";

}  // namespace

TEST_CASE("Config: a relay's keys", "[config][relay]") {
    Config config = parse_ok(R"json({"userlist": {"tv": {"password": "x"}}, "resources": [
        {"type": "relay", "serve": "/", "groups": ["239.0.0.0/8", "ff3e::/16"], "iface": "eth1",
         "maxgroups": 16, "ifacequery": true, "linger": 5, "allow": ["10.0.0.0/8"],
         "authentication": {"type": "basic", "user": "tv"}}
    ]})json");
    const Resource& relay = config.resources.at(0);
    CHECK(relay.type == Resource::Type::relay);
    CHECK(relay.serve == "/");
    REQUIRE(relay.relay.groups.size() == 2);
    CHECK(relay.relay.groups[0] == *parse_cidr("239.0.0.0/8"));
    CHECK(relay.relay.groups[1] == *parse_cidr("ff3e::/16"));
    CHECK(relay.relay.iface == "eth1");
    CHECK(relay.relay.iface_query);
    CHECK(relay.maxgroups == 16);
    CHECK(relay.linger_s == 5);
    CHECK(relay.ip_filter.allow_list().size() == 1);
    CHECK(relay.auth.type == AuthPolicy::Type::basic);
    CHECK(relay.remotes.empty());
    CHECK(config.streams().empty());  // a relay is not a stream of the playlist or the statistics
}

TEST_CASE("Config: a relay's defaults", "[config][relay]") {
    const Resource relay = parse_ok(with_relay(kMinimal)).resources.at(0);
    CHECK(relay.relay.iface.empty());
    CHECK_FALSE(relay.relay.iface_query);
    CHECK(relay.maxgroups == 64);
    CHECK(relay.linger_s == 30);
    // The top-level linger is a relay's default too, as a stream's.
    const std::string relay_json = R"json({"type": "relay", "serve": "/", "groups": ["239.0.0.0/8"]})json";
    CHECK(parse_ok(R"json({"linger": 7, "resources": [)json" + relay_json + "]}").resources.at(0).linger_s == 7);
    CHECK(parse_ok(R"json({"linger": 7, "resources": [{"type": "relay", "serve": "/", "groups": ["239.0.0.0/8"],
                          "linger": 0}]})json").resources.at(0).linger_s == 0);
}

TEST_CASE("Config: a relay's groups must be multicast prefixes", "[config][relay]") {
    CHECK(error_of(with_relay(R"json("serve": "/", "groups": ["239.0.0.0/8", "10.0.0.0/8"])json")) ==
          "server.json: resources[0].groups[1]: 10.0.0.0/8 is not a multicast prefix");
    for (const char* outside : {"0.0.0.0/0", "224.0.0.0/3", "::/0", "fe80::/10", "192.168.1.1"}) {
        INFO(outside);
        CHECK(error_of(with_relay(R"json("serve": "/", "groups": [")json" + std::string(outside) + "\"]")) ==
              "server.json: resources[0].groups[0]: " + std::string(outside) + " is not a multicast prefix");
    }
    for (const char* inside : {"224.0.0.0/4", "239.1.2.3", "ff00::/8", "ff3e::1234/128"}) {
        INFO(inside);
        CHECK(parse_ok(with_relay(R"json("serve": "/", "groups": [")json" + std::string(inside) + "\"]"))
                  .resources.at(0)
                  .relay.groups.size() == 1);
    }
    CHECK(error_of(with_relay(R"json("serve": "/", "groups": ["239.0.0.0/33"])json")) ==
          "server.json: resources[0].groups[0]: invalid prefix \"/33\" (expected /0 to /32)");
    const std::string needs = "server.json: resources[0]: a relay needs \"groups\" (multicast prefixes such as \"239.0.0.0/8\")";
    CHECK(error_of(with_relay(R"json("serve": "/")json")) == needs);
    CHECK(error_of(with_relay(R"json("serve": "/", "groups": [])json")) == needs);
    CHECK(error_of(with_relay(R"json("serve": "/", "groups": "239.0.0.0/8")json")).find("resources[0].groups: ") !=
          std::string::npos);
}

TEST_CASE("Config: a relay's iface, maxgroups, ifacequery and linger are checked", "[config][relay]") {
    auto relay_error = [](const std::string& extra) { return error_of(with_relay(std::string(kMinimal) + ", " + extra)); };
    const std::string bad_iface = " (1 to 15 characters, without spaces or any of /:%&#?=)";
    CHECK(relay_error(R"json("iface": "")json") == "server.json: resources[0].iface: invalid interface name \"\"" + bad_iface);
    CHECK(relay_error(R"json("iface": "eth0/1")json") ==
          "server.json: resources[0].iface: invalid interface name \"eth0/1\"" + bad_iface);
    CHECK(relay_error(R"json("iface": "a very long name")json") ==
          "server.json: resources[0].iface: invalid interface name \"a very long name\"" + bad_iface);
    CHECK(relay_error(R"json("iface": "eth\n0")json") ==
          "server.json: resources[0].iface: invalid interface name \"eth\\n0\"" + bad_iface);
    CHECK(relay_error(R"json("maxgroups": 0)json") == "server.json: resources[0].maxgroups: must be at least 1");
    CHECK(relay_error(R"json("maxgroups": -1)json") == "server.json: resources[0].maxgroups: expected a non-negative integer");
    CHECK(relay_error(R"json("linger": -1)json") == "server.json: resources[0].linger: expected a non-negative integer");
    CHECK(relay_error(R"json("ifacequery": "yes")json").rfind("server.json: resources[0].ifacequery: ", 0) == 0);
}

TEST_CASE("Config: a relay's serve is a prefix ending in '/', beside exact paths", "[config][relay]") {
    CHECK(error_of(with_relay(R"json("serve": "/tv", "groups": ["239.0.0.0/8"])json")) ==
          "server.json: resources[0].serve: a relay's path is a prefix and must end with '/'");
    CHECK(error_of(with_relay(R"json("serve": "tv/", "groups": ["239.0.0.0/8"])json")) ==
          "server.json: resources[0].serve: must start with '/'");
    CHECK(parse_ok(with_relay(R"json("serve": "/tv/", "groups": ["239.0.0.0/8"])json")).resources.at(0).serve == "/tv/");
    // Streams and APIs under the relay's prefix are fine: an exact path wins.
    Config shared = parse_ok(R"json({"resources": [
        {"type": "relay", "serve": "/", "groups": ["239.0.0.0/8"]},
        {"type": "relay", "serve": "/tv/", "groups": ["ff3e::/16"]},
        {"type": "stream", "serve": "/ch1.ts", "remote": "udp://239.1.1.1:1234"},
        {"type": "api", "api": "health", "serve": "/health"}
    ]})json");
    CHECK(shared.resources.size() == 4);
    // Two relays on one prefix, or a relay on a stream's path, are the duplicate paths they look like.
    CHECK(error_of(R"json({"resources": [
        {"type": "relay", "serve": "/", "groups": ["239.0.0.0/8"]},
        {"type": "relay", "serve": "/", "groups": ["ff3e::/16"]}
    ]})json") == "server.json: resources[1].serve: duplicate path \"/\" (also resources[0])");
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/tv/", "remote": "udp://239.1.1.1:1234"},
        {"type": "relay", "serve": "/tv/", "groups": ["239.0.0.0/8"]}
    ]})json") == "server.json: resources[1].serve: duplicate path \"/tv/\" (also resources[0])");
}

TEST_CASE("Config: Resource equality covers a relay's keys and linger", "[config][relay]") {
    const Resource a = parse_ok(with_relay(kMinimal)).resources.at(0);
    CHECK(a == parse_ok(with_relay(kMinimal)).resources.at(0));
    CHECK(a == parse_ok(with_relay(R"json("serve": "/", "groups": ["239.1.2.3/8"])json")).resources.at(0));
    for (const char* change : {R"json("groups": ["239.0.0.0/9"])json", R"json("groups": ["239.0.0.0/8", "ff3e::/16"])json",
                               R"json("iface": "eth1")json", R"json("ifacequery": true)json", R"json("maxgroups": 1)json",
                               R"json("linger": 31)json", R"json("serve": "/tv/")json"}) {
        INFO(change);
        CHECK(a != parse_ok(with_relay(std::string(kMinimal) + ", " + change)).resources.at(0));
    }
}
