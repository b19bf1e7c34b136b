// config_notifications_test.cpp - "notifications": events, URLs, the user they are sent as, the
// exact error for each mistake, and Notification equality.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: notifications", "[config][notifications]") {
    Outcome result = parse(R"json({
        "resources": [],
        "notifications": [
            {"event": "limit_hit", "type": "url", "url": "http://h/hit"},
            {"event": "limit_miss", "type": "url", "url": "https://h:8443/miss?x=1",
             "authentication": {"type": "basic", "user": "alice"}},
            {"": "restreamer sends as the first user only",
             "event": "heartbeat", "type": "url", "url": "http://h/beat",
             "authentication": {"type": "bearer", "users": ["bob", "alice"]}},
            {"event": "heartbeat", "type": "url", "url": "http://h/", "authentication": {"type": "", "user": "ghost"}}
        ],
        "userlist": {"alice": {"password": "a"}, "bob": {"password": "token"}}
    })json");
    REQUIRE(result.config);
    CHECK(result.warnings == std::vector<std::string>{"server.json: notifications[2].authentication.users: only the first user is used"});
    const auto& n = result.config->notifications;
    REQUIRE(n.size() == 4);
    CHECK(n[0].event == Notification::Event::limit_hit);
    CHECK(n[0].url == "http://h/hit");
    CHECK(n[0].auth_type == AuthPolicy::Type::none);
    CHECK(n[0].user.empty());
    CHECK(n[1].event == Notification::Event::limit_miss);
    CHECK(n[1].url == "https://h:8443/miss?x=1");
    CHECK(n[1].auth_type == AuthPolicy::Type::basic);
    CHECK(n[1].user == "alice");
    CHECK(n[2].event == Notification::Event::heartbeat);
    CHECK(n[2].auth_type == AuthPolicy::Type::bearer);
    CHECK(n[2].user == "bob");
    CHECK(n[3].auth_type == AuthPolicy::Type::none);
    CHECK(authorization_for(n[1].auth_type, n[1].user, result.config->userlist) == "Basic YWxpY2U6YQ==");
    CHECK(authorization_for(n[2].auth_type, n[2].user, result.config->userlist) == "Bearer token");
    CHECK(std::string(to_string(Notification::Event::limit_hit)) == "limit_hit");
    CHECK(std::string(to_string(Notification::Event::limit_miss)) == "limit_miss");
    CHECK(std::string(to_string(Notification::Event::heartbeat)) == "heartbeat");
}

TEST_CASE("Config: notification errors", "[config][notifications]") {
    auto notification_error = [](const std::string& entry) {
        return error_of(R"json({"resources": [], "userlist": {"alice": {"password": "a"}, "bob": {"password": "b b"},
            "carol": {"hash": "sha256:00:bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35"}},
            "notifications": [{"event": "heartbeat", "type": "url", "url": "http://h/"}, )json" + entry + "]}");
    };
    CHECK(notification_error(R"json("http://h/")json") == "server.json: notifications[1]: expected an object");
    CHECK(notification_error(R"json({"type": "url", "url": "http://h/"})json") == "server.json: notifications[1].event: missing");
    CHECK(notification_error(R"json({"event": "limit", "type": "url", "url": "http://h/"})json") ==
          "server.json: notifications[1].event: unknown event \"limit\" (expected limit_hit, limit_miss, heartbeat, failover, failback)");
    CHECK(notification_error(R"json({"event": 1, "type": "url", "url": "http://h/"})json") ==
          "server.json: notifications[1].event: expected a string");
    CHECK(notification_error(R"json({"event": "heartbeat", "url": "http://h/"})json") == "server.json: notifications[1].type: missing");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "mail", "url": "http://h/"})json") ==
          "server.json: notifications[1].type: unknown type \"mail\" (expected url)");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url"})json") == "server.json: notifications[1].url: missing");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "udp://239.0.0.1:1234"})json") ==
          "server.json: notifications[1].url: expected an http:// or https:// URL");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "file:///tmp/x"})json") ==
          "server.json: notifications[1].url: expected an http:// or https:// URL");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "ftp://h/"})json") ==
          "server.json: notifications[1].url: unknown scheme \"ftp\" (expected http, https, file, tcp, udp, unix, fork)");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h:99999/"})json").rfind(
              "server.json: notifications[1].url: ", 0) == 0);
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h/",
                                     "authentication": {"type": "basic"}})json") ==
          "server.json: notifications[1].authentication.user: missing");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h/",
                                     "authentication": {"type": "token", "user": "alice"}})json") ==
          "server.json: notifications[1].authentication.type: unknown type \"token\" (expected basic, bearer, securelink)");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h/",
                                     "authentication": {"type": "basic", "user": "ghost"}})json") ==
          "server.json: notifications[1].authentication.user: unknown user \"ghost\" (not in userlist)");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h/",
                                     "authentication": {"type": "basic", "users": ["carol"]}})json") ==
          "server.json: notifications[1].authentication.users[0]: user \"carol\" has only a password hash; "
          "notifications need the password");
    CHECK(notification_error(R"json({"event": "heartbeat", "type": "url", "url": "http://h/",
                                     "authentication": {"type": "bearer", "user": "bob"}})json") ==
          "server.json: notifications[1].authentication.user: the password of \"bob\" has blanks or control characters; "
          "it cannot be a Bearer token");
    // The same user is fine for Basic, where the password travels base64-encoded.
    CHECK(parse_ok(R"json({"resources": [], "userlist": {"bob": {"password": "b b"}}, "notifications": [
        {"event": "heartbeat", "type": "url", "url": "http://h/", "authentication": {"type": "basic", "user": "bob"}}
    ]})json").notifications[0].user == "bob");
}

TEST_CASE("Config: Notification equality covers every field", "[config][notifications]") {
    Notification a;
    a.event = Notification::Event::limit_hit;
    a.url = "http://h/";
    Notification b = a;
    CHECK(a == b);
    b.user = "alice";
    CHECK(a != b);
    b = a;
    b.auth_type = AuthPolicy::Type::basic;
    CHECK(a != b);
    b = a;
    b.event = Notification::Event::limit_miss;
    CHECK(a != b);
    b = a;
    b.url = "http://h/x";
    CHECK(a != b);
}
