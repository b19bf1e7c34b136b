// config_access_test.cpp - who may fetch what: the userlist, each resource's authentication, allow
// and deny lists, and the trusted proxies of X-Forwarded-For.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: userlist with plain passwords and hashes", "[config][auth]") {
    const std::string hash = "sha256:73616c74:bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35";
    Outcome result = parse(R"json({"resources": [], "userlist": {
        "": "comment",
        "alice": {"password": "secret"},
        "Alice": {"Password": "other"},
        "carol": {"hash": ")json" + hash + R"json("}
    }})json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    const Userlist& users = result.config->userlist;
    REQUIRE(users.size() == 3);  // names are case-sensitive, keys are not
    CHECK(users.at("alice").password() == "secret");
    CHECK(users.at("Alice").password() == "other");
    CHECK_FALSE(users.at("carol").has_plain_password());
    CHECK(users.at("carol").matches("secret"));
    // A hash from make_password_hash() is accepted as it is.
    Config made = parse_ok(R"json({"resources": [], "userlist": {"u": {"hash": ")json" + make_password_hash("pw") + R"json("}}})json");
    CHECK(made.userlist.at("u").matches("pw"));
}

TEST_CASE("Config: userlist warnings", "[config][auth]") {
    Outcome result = parse(R"json({"resources": [], "userlist": {
        "alice": {"password": "first"},
        "alice": {"password": "second", "role": "admin"}
    }})json");
    REQUIRE(result.config);
    CHECK(result.config->userlist.at("alice").password() == "second");
    CHECK(result.warnings == std::vector<std::string>{
                                 "server.json: userlist.alice: duplicate key, the last one is used",
                                 "server.json: userlist.alice.role: unknown key, ignored",
                             });
    // Only the entry that counts is checked.
    CHECK(parse_ok(R"json({"resources": [], "userlist": {"a": {"hash": "bad"}, "a": {"password": "x"}}})json")
              .userlist.at("a").password() == "x");
}

TEST_CASE("Config: userlist errors", "[config][auth]") {
    auto userlist_error = [](const std::string& users) {
        return error_of(R"json({"resources": [], "userlist": )json" + users + "}");
    };
    CHECK(userlist_error("[]") == "server.json: userlist: expected an object");
    CHECK(userlist_error(R"json({"alice": "secret"})json") == "server.json: userlist.alice: expected an object");
    CHECK(userlist_error(R"json({"alice": {}})json") == "server.json: userlist.alice: needs \"password\" or \"hash\"");
    CHECK(userlist_error(R"json({"alice": {"password": "x", "hash": "y"}})json") ==
          "server.json: userlist.alice: has both \"password\" and \"hash\"");
    CHECK(userlist_error(R"json({"alice": {"password": 5}})json") == "server.json: userlist.alice.password: expected a string");
    CHECK(userlist_error(R"json({"alice": {"password": ""}})json") == "server.json: userlist.alice.password: must not be empty");
    CHECK(userlist_error(R"json({"alice": {"hash": null}})json") == "server.json: userlist.alice.hash: expected a string");
    const std::string bad_hash = "server.json: userlist.alice.hash: invalid hash (expected \"sha256:<salt hex>:<64 hex digits>\")";
    CHECK(userlist_error(R"json({"alice": {"hash": "secret"}})json") == bad_hash);
    CHECK(userlist_error(R"json({"alice": {"hash": ""}})json") == bad_hash);
    CHECK(userlist_error(R"json({"alice": {"hash": "sha256:00:00"}})json") == bad_hash);
    CHECK(userlist_error(R"json({"a:b": {"password": "x"}})json") == "server.json: userlist.a:b: a user name cannot contain ':'");
}

TEST_CASE("Config: resource authentication", "[config][auth]") {
    Config config = parse_ok(R"json({
        "resources": [
            {"type": "stream", "serve": "/a.ts", "remote": "http://h/",
             "authentication": {"type": "basic", "realm": "TV", "user": "alice", "users": ["bob", "alice", ""]}},
            {"type": "api", "api": "health", "serve": "/health",
             "Authentication": {"Type": "bearer", "Users": ["bob"]}},
            {"type": "stream", "serve": "/b.ts", "remote": "http://h/", "authentication": {"type": "", "user": "ghost"}},
            {"type": "stream", "serve": "/c.ts", "remote": "http://h/", "authentication": {}},
            {"type": "stream", "serve": "/d.ts", "remote": "http://h/"}
        ],
        "userlist": {"alice": {"password": "a"}, "bob": {"password": "b"}}
    })json");
    const auto& r = config.resources;
    CHECK(r[0].auth.type == AuthPolicy::Type::basic);
    CHECK(r[0].auth.realm == "TV");
    // "user" first, then "users", each name once; an empty name is none.
    CHECK(r[0].auth.users == std::vector<std::string>{"alice", "bob"});
    CHECK(r[1].auth.type == AuthPolicy::Type::bearer);
    CHECK(r[1].auth.users == std::vector<std::string>{"bob"});
    // An empty type is no authentication, and then its users are not looked up.
    CHECK(r[2].auth.type == AuthPolicy::Type::none);
    CHECK(r[3].auth == AuthPolicy{});
    CHECK(r[4].auth == AuthPolicy{});
    CHECK(authenticate(r[0].auth, config.userlist, "Basic Ym9iOmI=") == AuthResult::allowed);  // bob:b
}

TEST_CASE("Config: authentication warnings", "[config][auth]") {
    Outcome result = parse(with_stream(R"json("authentication": {"type": "basic", "realm": "x", "scheme": "md5"})json"));
    REQUIRE(result.config);
    CHECK(result.warnings == std::vector<std::string>{
                                 "server.json: resources[0].authentication.scheme: unknown key, ignored",
                                 "server.json: resources[0].authentication: no users, every request is refused",
                             });
}

TEST_CASE("Config: authentication errors", "[config][auth]") {
    CHECK(error_of(with_stream(R"json("authentication": {"type": "digest", "user": "a"})json")) ==
          "server.json: resources[0].authentication.type: unknown type \"digest\" (expected basic, bearer, securelink)");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "Basic"})json")) ==
          "server.json: resources[0].authentication.type: unknown type \"Basic\" (expected basic, bearer, securelink)");
    CHECK(error_of(with_stream(R"json("authentication": {"type": 1})json")) ==
          "server.json: resources[0].authentication.type: expected a string");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "basic", "user": ["a"]})json")) ==
          "server.json: resources[0].authentication.user: expected a string");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "basic", "users": "a"})json")) ==
          "server.json: resources[0].authentication.users: expected an array of strings");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "basic", "realm": "a\r\nX-Evil: 1"})json")) ==
          "server.json: resources[0].authentication.realm: must not contain control characters");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "basic", "user": "ghost"})json")) ==
          "server.json: resources[0].authentication.user: unknown user \"ghost\" (not in userlist)");
    // The userlist may come before or after the resources; the path names the entry that is wrong.
    CHECK(error_of(R"json({
        "userlist": {"alice": {"password": "a"}},
        "resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/",
                       "authentication": {"type": "bearer", "user": "alice", "users": ["alice", "ghost"]}}]
    })json") == "server.json: resources[0].authentication.users[1]: unknown user \"ghost\" (not in userlist)");
    CHECK(error_of(R"json({
        "resources": [{"type": "static", "serve": "/i", "remote": "/srv/i", "authentication": {"type": "basic", "users": ["Alice"]}}],
        "userlist": {"alice": {"password": "a"}}
    })json") == "server.json: resources[0].authentication.users[0]: unknown user \"Alice\" (not in userlist)");
}

TEST_CASE("Config: allow and deny lists", "[config][access]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/", "allow": ["10.0.0.0/8", "::1"], "deny": ["10.0.0.66"]},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/", "allow": [], "deny": []}
    ]})json");
    const IpFilter& filter = config.resources[0].ip_filter;
    REQUIRE(filter.allow_list().size() == 2);
    CHECK(filter.allow_list()[0].text == "10.0.0.0/8");
    REQUIRE(filter.deny_list().size() == 1);
    CHECK(filter.allows("10.0.0.1"));
    CHECK(filter.allows("::ffff:10.0.0.1"));
    CHECK(filter.allows("::1"));
    CHECK_FALSE(filter.allows("10.0.0.66"));
    CHECK_FALSE(filter.allows("192.168.0.1"));
    CHECK(config.resources[1].ip_filter.empty());

    CHECK(error_of(with_stream(R"json("allow": "10.0.0.0/8")json")) == "server.json: resources[0].allow: expected an array of strings");
    CHECK(error_of(with_stream(R"json("deny": [10])json")) == "server.json: resources[0].deny[0]: expected a string");
    CHECK(error_of(with_stream(R"json("allow": ["10.0.0.0/8", "10.0.0.0/33"])json")) ==
          "server.json: resources[0].allow[1]: invalid prefix \"/33\" (expected /0 to /32)");
    CHECK(error_of(with_stream(R"json("deny": ["::/129"])json")) ==
          "server.json: resources[0].deny[0]: invalid prefix \"/129\" (expected /0 to /128)");
    CHECK(error_of(with_stream(R"json("deny": ["intranet"])json")) ==
          "server.json: resources[0].deny[0]: invalid address \"intranet\" (expected an IPv4 or IPv6 address)");
    CHECK(error_of(with_stream(R"json("allow": [""])json")) == "server.json: resources[0].allow[0]: empty address");
}

TEST_CASE("Config: trustedproxies", "[config][access]") {
    Config config = parse_ok(R"json({"trustedproxies": ["127.0.0.1", "10.0.0.0/8", "::1/128"], "resources": []})json");
    REQUIRE(config.trusted_proxies.size() == 3);
    CHECK(config.trusted_proxies[1].text == "10.0.0.0/8");
    CHECK(effective_client("10.1.1.1", {"198.51.100.7"}, config.trusted_proxies) == "198.51.100.7");

    CHECK(error_of(R"json({"trustedproxies": "10.0.0.0/8", "resources": []})json") ==
          "server.json: trustedproxies: expected an array of strings");
    CHECK(error_of(R"json({"TrustedProxies": ["10.0.0.0/8", "10.0.0.0/x"], "resources": []})json") ==
          "server.json: TrustedProxies[1]: invalid prefix \"/x\" (expected /0 to /32)");
}

TEST_CASE("Config: userlist maxsessions and evict", "[config][auth]") {
    Config config = parse_ok(R"json({"resources": [], "userlist": {
        "alice": {"password": "a", "maxsessions": 2},
        "bob": {"password": "b", "maxsessions": 1, "evict": "oldest"},
        "carol": {"password": "c"}}})json");
    CHECK(config.session_limits.size() == 2);
    CHECK(config.session_limits.at("alice").max == 2);
    CHECK_FALSE(config.session_limits.at("alice").evict_oldest);
    CHECK(config.session_limits.at("bob").evict_oldest);
    auto user = [](const std::string& keys) { return error_of(R"json({"resources": [], "userlist": {"u": {"password": "p", )json" + keys + "}}}"); };
    CHECK(user(R"json("maxsessions": 0)json") == "server.json: userlist.u.maxsessions: must be at least 1");
    CHECK(user(R"json("maxsessions": -3)json") == "server.json: userlist.u.maxsessions: must be at least 1");
    CHECK(user(R"json("maxsessions": "2")json") == "server.json: userlist.u.maxsessions: expected a non-negative integer");
    CHECK(user(R"json("evict": "oldest")json") == "server.json: userlist.u.evict: needs \"maxsessions\"");
    CHECK(user(R"json("maxsessions": 1, "evict": "newest")json") ==
          "server.json: userlist.u.evict: unknown value \"newest\" (expected \"oldest\")");
}
