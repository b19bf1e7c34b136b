// config_settings_test.cpp - the top-level settings of server.json: restreamer's defaults and keys,
// the listen address, our delivery keys, and restreamer's keys that mean little here (profile).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: defaults match restreamer's", "[config]") {
    Config config = parse_ok(R"json({"resources": []})json");
    CHECK(config.listen == "localhost:8000");
    CHECK(config.timeout_s == 0);
    CHECK(config.reconnect_s == 10);
    CHECK(config.readtimeout_s == 0);
    CHECK(config.inputbuffer == 1000);
    CHECK(config.outputbuffer == 400);
    CHECK(config.maxconnections == 0);
    CHECK(config.fullconnections == 0);
    CHECK(config.heartbeatinterval_s == 60);
    CHECK_FALSE(config.nostats);
    CHECK_FALSE(parse_ok(with_stream("")).resources[0].nostats);
    CHECK(config.log.empty());
    CHECK(config.resources.empty());
    CHECK(config.streams().empty());
    CHECK(config.userlist.empty());
    CHECK(config.trusted_proxies.empty());
    CHECK(config.notifications.empty());
}

TEST_CASE("Config: every top-level key of restreamer's format", "[config]") {
    Outcome result = parse(R"json({
        "listen": "0.0.0.0:8080",
        "timeout": 1, "reconnect": 2, "readtimeout": 3, "inputbuffer": 4, "outputbuffer": 5,
        "maxconnections": 6, "fullconnections": 7, "heartbeatinterval": 8,
        "nostats": true, "profile": false, "log": "/var/log/access.log",
        "userlist": {"admin": {"password": "x"}},
        "notifications": [{"event": "limit_hit", "type": "url", "url": "http://h/"}],
        "resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/"}]
    })json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    const Config& config = *result.config;
    CHECK(config.listen == "0.0.0.0:8080");
    CHECK(config.timeout_s == 1);
    CHECK(config.reconnect_s == 2);
    CHECK(config.readtimeout_s == 3);
    CHECK(config.inputbuffer == 4);
    CHECK(config.outputbuffer == 5);
    CHECK(config.maxconnections == 6);
    CHECK(config.fullconnections == 7);
    CHECK(config.heartbeatinterval_s == 8);
    CHECK(config.nostats);
    CHECK(config.resources[0].nostats);
    CHECK(config.log == "/var/log/access.log");
    CHECK(config.userlist.count("admin") == 1);
    REQUIRE(config.notifications.size() == 1);
    CHECK(config.notifications[0].event == Notification::Event::limit_hit);
}

TEST_CASE("Config: listen must be HOST:PORT", "[config]") {
    CHECK(error_of(R"json({"listen": "x", "resources": []})json") ==
          "server.json: listen: invalid address \"x\" (expected HOST:PORT)");
    CHECK(error_of(R"json({"listen": "h:99999", "resources": []})json") ==
          "server.json: listen: invalid address \"h:99999\" (expected HOST:PORT)");
    CHECK(error_of(R"json({"listen": "::1:80", "resources": []})json") ==
          "server.json: listen: invalid address \"::1:80\" (expected HOST:PORT)");
    CHECK(parse_ok(R"json({"listen": "localhost:http", "resources": []})json").listen == "localhost:http");
}

TEST_CASE("Config: listen addresses in every accepted form", "[config]") {
    auto address = parse_listen_address("127.0.0.1:8000");
    REQUIRE(address);
    CHECK(address->host == "127.0.0.1");
    CHECK(address->port == 8000);

    address = parse_listen_address("[::1]:8000");
    REQUIRE(address);
    CHECK(address->host == "::1");
    CHECK(address->port == 8000);

    address = parse_listen_address(":8000");
    REQUIRE(address);
    CHECK(address->host.empty());
    CHECK(address->port == 8000);

    CHECK(parse_listen_address("localhost:http")->port == 80);
    CHECK(parse_listen_address("[::]:https")->port == 443);
    // Port 0: any free port (the server logs the one it got).
    CHECK(parse_listen_address("127.0.0.1:0")->port == 0);
}

TEST_CASE("Config: listen addresses that are rejected", "[config]") {
    for (const char* text : {"", "localhost", "localhost:", ":65536", "h:ftp", "[::1]", "[::1:80", "::1:80", "a b:80"}) {
        INFO(text);
        CHECK_FALSE(parse_listen_address(text));
    }
}

TEST_CASE("Config: delivery keys of our own, maxlag and fast_start", "[config]") {
    CHECK(parse_ok(R"json({"resources": []})json").maxlag_s == 5);
    CHECK(parse_ok(R"json({"maxlag": 12, "resources": []})json").maxlag_s == 12);
    CHECK(parse_ok(with_stream("")).resources[0].fast_start);
    CHECK_FALSE(parse_ok(with_stream(R"json("fast_start": false)json")).resources[0].fast_start);
    CHECK(error_of(with_stream(R"json("fast_start": "no")json")) == "server.json: resources[0].fast_start: expected a boolean");
    CHECK(error_of(R"json({"maxlag": -1, "resources": []})json") == "server.json: maxlag: expected a non-negative integer");
}

TEST_CASE("Config: nostats leaves streams out of statistics, for the whole file or one stream", "[config]") {
    const Config config = parse_ok(R"json({"nostats": true, "resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/", "nostats": false},
        {"type": "api", "api": "statistics", "serve": "/stats"}
    ]})json");
    CHECK(config.nostats);
    CHECK(config.resources[0].nostats);
    CHECK_FALSE(config.resources[1].nostats);  // a stream's own key wins
    CHECK_FALSE(config.resources[2].nostats);  // only streams have statistics
    // The top-level key counts wherever it stands in the file.
    CHECK(parse_ok(R"json({"streams": [{"serve": "/a.ts", "remote": "http://h/"}], "nostats": true})json").resources[0].nostats);
    CHECK(parse_ok(with_stream(R"json("nostats": true)json")).resources[0].nostats);
    CHECK(error_of(with_stream(R"json("nostats": 1)json")) == "server.json: resources[0].nostats: expected a boolean");
}

TEST_CASE("Config: ondemand and linger, for the whole file or one stream", "[config]") {
    const Config plain = parse_ok(with_stream(""));
    CHECK_FALSE(plain.resources[0].ondemand);
    CHECK(plain.resources[0].linger_s == 30);
    const Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/", "ondemand": false, "linger": 5},
        {"type": "api", "api": "statistics", "serve": "/stats"}
    ], "ondemand": true, "linger": 90})json");
    CHECK(config.resources[0].ondemand);  // the top-level default, wherever it stands
    CHECK(config.resources[0].linger_s == 90);
    CHECK_FALSE(config.resources[1].ondemand);  // a stream's own keys win
    CHECK(config.resources[1].linger_s == 5);
    CHECK_FALSE(config.resources[2].ondemand);  // only streams have upstreams
    CHECK(parse_ok(with_stream(R"json("ondemand": true, "linger": 0)json")).resources[0].linger_s == 0);
    CHECK(error_of(with_stream(R"json("linger": -1)json")) == "server.json: resources[0].linger: expected a non-negative integer");
    CHECK(error_of(with_stream(R"json("ondemand": "yes")json")) == "server.json: resources[0].ondemand: expected a boolean");
    CHECK(error_of(R"json({"linger": 1.5, "resources": []})json") == "server.json: linger: expected a non-negative integer");
}

TEST_CASE("Config: profile (Go's profiler in restreamer) is not supported: true warns, false is silent", "[config]") {
    Outcome on = parse(R"json({"profile": true, "resources": []})json");
    REQUIRE(on.config);
    CHECK(on.warnings == std::vector<std::string>{"server.json: profile: not supported (Go's profiler in restreamer), ignored"});
    Outcome off = parse(R"json({"profile": false, "resources": []})json");
    REQUIRE(off.config);
    CHECK(off.warnings.empty());
}

TEST_CASE("Config: requesttimeout bounds a request head, 5 s by default, never unlimited", "[config]") {
    CHECK(parse_ok(R"json({"resources": []})json").requesttimeout_s == 5);
    CHECK(parse_ok(R"json({"requesttimeout": 12, "resources": []})json").requesttimeout_s == 12);
    CHECK(error_of(R"json({"requesttimeout": 0, "resources": []})json") ==
          "server.json: requesttimeout: must be at least 1 (seconds)");
    CHECK(error_of(R"json({"requesttimeout": "5", "resources": []})json") ==
          "server.json: requesttimeout: expected a non-negative integer");
}

TEST_CASE("Config: draindeadline, 60 s by default, at most a day; the drain api is known", "[config][drain]") {
    CHECK(parse_ok(R"json({"resources": []})json").draindeadline_s == 60);
    CHECK(parse_ok(R"json({"draindeadline": 0, "resources": []})json").draindeadline_s == 0);
    CHECK(parse_ok(R"json({"DrainDeadline": 300, "resources": []})json").draindeadline_s == 300);
    CHECK(error_of(R"json({"draindeadline": 86401, "resources": []})json") ==
          "server.json: draindeadline: must be at most 86400 (seconds)");
    CHECK(error_of(R"json({"draindeadline": -1, "resources": []})json") ==
          "server.json: draindeadline: expected a non-negative integer");
    CHECK(parse_ok(R"json({"resources": [{"type": "api", "api": "drain", "serve": "/drain"}]})json").resources[0].api == "drain");
}
