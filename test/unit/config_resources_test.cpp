// config_resources_test.cpp - "resources" and the early "streams": each type, remotes and their
// URLs, serve paths, per-stream keys, check and control targets, and Resource equality for reload.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: resources of every type", "[config]") {
    Outcome result = parse(R"json({"userlist": {"admin": {"password": "x"}}, "resources": [
        {"type": "stream", "serve": "/tv.ts", "remote": "http://10.0.0.5/ch1",
         "remotes": ["udp://239.0.0.1:1234", "file:///srv/fallback.ts"],
         "cache": 0, "preamble": "/srv/intro.ts", "mru": 1500,
         "authentication": {"type": "basic", "user": "admin"}},
        {"type": "static", "serve": "/index.html", "remote": "file:///srv/index.html", "cache": 60},
        {"type": "api", "api": "health", "serve": "/health"},
        {"type": "api", "api": "check", "serve": "/check/tv", "remote": "/tv.ts"},
        {"type": "api", "api": "statistics", "serve": "/stats"},
        {"type": "api", "api": "control", "serve": "/control/tv", "remote": "/tv.ts"},
        {"type": "api", "api": "prometheus", "serve": "/metrics"}
    ]})json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    const auto& resources = result.config->resources;
    REQUIRE(resources.size() == 7);

    const Resource& stream = resources[0];
    CHECK(stream.type == Resource::Type::stream);
    CHECK(stream.serve == "/tv.ts");
    REQUIRE(stream.remotes.size() == 3);
    CHECK(stream.remotes[0].text == "http://10.0.0.5/ch1");  // `remote` comes first
    CHECK(stream.remotes[1].scheme == UpstreamUrl::Scheme::udp);
    CHECK(stream.remotes[2].path == "/srv/fallback.ts");
    CHECK(stream.preamble == "/srv/intro.ts");
    CHECK(stream.remote_text.empty());

    CHECK(resources[1].type == Resource::Type::static_content);
    CHECK(resources[1].remote_text == "file:///srv/index.html");
    CHECK(resources[1].cache_s == 60);
    CHECK(resources[1].remotes.empty());

    CHECK(resources[2].type == Resource::Type::api);
    CHECK(resources[2].api == "health");
    CHECK(resources[2].remote_text.empty());
    CHECK(resources[3].api == "check");
    CHECK(resources[3].remote_text == "/tv.ts");
    CHECK(resources[6].api == "prometheus");

    auto streams = result.config->streams();
    REQUIRE(streams.size() == 1);
    CHECK(streams[0] == &resources[0]);
}

TEST_CASE("Config: remotes alone, and an empty remote counts as absent", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "", "remotes": ["tcp://h:1", "tcp://h:2"]}
    ]})json");
    REQUIRE(config.resources[0].remotes.size() == 2);
    CHECK(config.resources[0].remotes[0].port == 1);
    CHECK(config.resources[0].remotes[1].port == 2);
}

TEST_CASE("Config: clientinterface sets iface on udp remotes that have none", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "clientinterface": "eth1",
         "remotes": ["udp://239.0.0.1:1234", "udp://239.0.0.2:1234?iface=eth2", "http://h/x"]}
    ]})json");
    const auto& remotes = config.resources[0].remotes;
    CHECK(remotes[0].query.at("iface") == "eth1");
    CHECK(remotes[1].query.at("iface") == "eth2");
    CHECK(remotes[2].query.empty());
}

TEST_CASE("Config: clientinterface applies to multicast groups only, as in restreamer", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "clientinterface": "eth1",
         "remotes": ["udp://0.0.0.0:1234", "udp://[ff3e::1234]:5000", "udp://[::1]:5000", "udp://group.example:1234"]}
    ]})json");
    const auto& remotes = config.resources[0].remotes;
    CHECK(remotes[0].query.empty());  // unicast: an interface would make the bind fail
    CHECK(remotes[1].query.at("iface") == "eth1");
    CHECK(remotes[2].query.empty());
    CHECK(remotes[3].query.empty());  // a name may be anything; its URL can say ?iface=
}

TEST_CASE("Config: the early streams form", "[config]") {
    Config config = parse_ok(R"json({
        "listen": ":9000", "timeout": 5,
        "streams": [
            {"serve": "/a.ts", "remote": "http://h/a.ts"},
            {"serve": "/b.ts", "remotes": ["http://h/b.ts", "http://h2/b.ts"]}
        ]
    })json");
    REQUIRE(config.resources.size() == 2);
    CHECK(config.listen == ":9000");
    CHECK(config.timeout_s == 5);
    CHECK(config.resources[0].type == Resource::Type::stream);
    CHECK(config.resources[0].remotes[0].host == "h");
    CHECK(config.resources[1].remotes.size() == 2);
    CHECK(config.streams().size() == 2);
}

TEST_CASE("Config: early form entries still need remotes and a serve path", "[config]") {
    CHECK(error_of(R"json({"streams": [{"serve": "/a.ts"}]})json") ==
          "server.json: streams[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(error_of(R"json({"streams": [{"remote": "http://h/"}]})json") == "server.json: streams[0].serve: missing");
    CHECK(error_of(R"json({"streams": {}})json") == "server.json: streams: expected an array");
}

TEST_CASE("Config: a path served twice across both forms is an error", "[config]") {
    CHECK(error_of(R"json({
        "resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/"}],
        "streams": [{"serve": "/a.ts", "remote": "http://h/"}]
    })json") == "server.json: streams[0].serve: duplicate path \"/a.ts\" (also resources[0])");
}

TEST_CASE("Config: resource errors", "[config]") {
    CHECK(error_of(R"json({"resources": [{"serve": "/a.ts", "remote": "http://h/"}]})json") ==
          "server.json: resources[0].type: missing");
    CHECK(error_of(R"json({"resources": [{"type": "foo", "serve": "/a.ts"}]})json") ==
          "server.json: resources[0].type: unknown type \"foo\" (expected stream, static, api, relay)");
    CHECK(error_of(R"json({"resources": [{"type": "stream", "remote": "http://h/"}]})json") ==
          "server.json: resources[0].serve: missing");
    CHECK(error_of(R"json({"resources": [{"type": "stream", "serve": "a.ts", "remote": "http://h/"}]})json") ==
          "server.json: resources[0].serve: must start with '/'");
    CHECK(error_of(R"json({"resources": [{"type": "stream", "serve": "", "remote": "http://h/"}]})json") ==
          "server.json: resources[0].serve: must start with '/'");
    CHECK(error_of(R"json({"resources": [{"type": "stream", "serve": "/a.ts"}]})json") ==
          "server.json: resources[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(error_of(R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remotes": []}]})json") ==
          "server.json: resources[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(error_of(R"json({"resources": [{"type": "static", "serve": "/i.html"}]})json") ==
          "server.json: resources[0]: a static resource needs \"remote\"");
    CHECK(error_of(R"json({"resources": [{"type": "api", "serve": "/h"}]})json") == "server.json: resources[0].api: missing");
    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "stats", "serve": "/h"}]})json") ==
          "server.json: resources[0].api: unknown api \"stats\" (expected health, statistics, check, control, prometheus, "
          "reload, drain, streams, status, playlist)");
}

TEST_CASE("Config: duplicate serve paths name the first resource", "[config]") {
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/"},
        {"type": "api", "api": "health", "serve": "/health"},
        {"type": "static", "serve": "/a.ts", "remote": "/srv/a"}
    ]})json") == "server.json: resources[3].serve: duplicate path \"/a.ts\" (also resources[0])");
}

TEST_CASE("Config: bad remote URLs carry the URL parser's message", "[config]") {
    CHECK(error_of(R"json({"resources": [
        {"type": "api", "api": "health", "serve": "/health"},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/"},
        {"type": "stream", "serve": "/a.ts", "remote": "rtsp://cam/1"}
    ]})json") == "server.json: resources[2].remote: unknown scheme \"rtsp\" (expected http, https, file, tcp, udp, unix, fork)");
    CHECK(error_of(with_stream(R"json("remotes": ["tcp://h:1", "tcp://h"])json")) ==
          "server.json: resources[0].remotes[1]: missing port");
    CHECK(error_of(with_stream(R"json("remotes": [""])json")) == "server.json: resources[0].remotes[0]: empty URL");
    // Only streams connect to their remote; for static and api it is a file or a stream path.
    CHECK(parse_ok(R"json({"resources": [{"type": "static", "serve": "/i", "remote": "/srv/i.html"}]})json")
              .resources[0].remote_text == "/srv/i.html");
}

TEST_CASE("Config: tlsverify turns certificate checks off per stream", "[config]") {
    CHECK(parse_ok(with_stream("")).resources[0].tls_verify);
    CHECK_FALSE(parse_ok(with_stream(R"json("tlsverify": false)json")).resources[0].tls_verify);
    CHECK(parse_ok(with_stream(R"json("TLSVerify": true)json")).resources[0].tls_verify);
    CHECK(error_of(with_stream(R"json("tlsverify": "no")json")) == "server.json: resources[0].tlsverify: expected a boolean");
}

TEST_CASE("Config: check and control name a stream of the same file", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "api", "api": "control", "serve": "/control", "remote": "/later.ts"},
        {"type": "api", "api": "health", "serve": "/health", "remote": "ignored"},
        {"type": "stream", "serve": "/later.ts", "remote": "http://h/"}
    ]})json");
    CHECK(config.resources[0].remote_text == "/later.ts");

    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "check", "serve": "/check"}]})json") ==
          "server.json: resources[0]: a check api needs \"remote\" (the serve path of a stream)");
    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "control", "serve": "/c", "remote": ""}]})json") ==
          "server.json: resources[0]: a control api needs \"remote\" (the serve path of a stream)");
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "api", "api": "check", "serve": "/check", "remote": "/b.ts"}
    ]})json") == "server.json: resources[1].remote: no stream is served at \"/b.ts\"");
    // Only a stream will do.
    CHECK(error_of(R"json({"resources": [
        {"type": "static", "serve": "/i.html", "remote": "/srv/i.html"},
        {"type": "api", "api": "control", "serve": "/control", "remote": "/i.html"}
    ]})json") == "server.json: resources[1].remote: no stream is served at \"/i.html\"");
    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "check", "serve": "/check", "remote": "/check"}]})json") ==
          "server.json: resources[0].remote: no stream is served at \"/check\"");
}

TEST_CASE("Config: static remotes are files or http(s) URLs", "[config]") {
    for (const char* remote : {"/srv/index.html", "file:///srv/index.html", "http://h/index.html", "HTTPS://h:8443/i"}) {
        INFO(remote);
        CHECK(parse_ok(R"json({"resources": [{"type": "static", "serve": "/i", "remote": ")json" + std::string(remote) +
                       R"json("}]})json")
                  .resources[0]
                  .remote_text == remote);
    }
    auto static_error = [](const std::string& remote) {
        return error_of(R"json({"resources": [{"type": "static", "serve": "/i", "remote": ")json" + remote + R"json("}]})json");
    };
    const std::string expected = "server.json: resources[0].remote: expected an absolute path, file:///path or an http(s) URL";
    CHECK(static_error("srv/index.html") == expected);
    CHECK(static_error("udp://239.0.0.1:1234") == expected);
    CHECK(static_error("fork:///bin/cat") == expected);
    CHECK(static_error("ftp://h/x") == expected);
    CHECK(static_error("file://srv/index.html").rfind("server.json: resources[0].remote: ", 0) == 0);
    CHECK(static_error("file://srv/index.html") != expected);  // the URL parser says what is wrong
    CHECK(static_error("http://h:0/") == "server.json: resources[0].remote: " + parse_upstream_url("http://h:0/").error());
}

TEST_CASE("Config: Resource equality covers every field", "[config]") {
    const std::string base = R"json({"type": "stream", "serve": "/a.ts", "remote": "http://u:p@h/a.ts",
        "preamble": "/p.ts", "cache": 1, "authentication": {"type": "basic", "realm": "r", "user": "alice"},
        "allow": ["10.0.0.0/8"], "deny": ["10.0.0.1"])json";
    auto resource = [&base](const std::string& extra) {
        return parse_ok(R"json({"userlist": {"alice": {"password": "a"}, "bob": {"password": "b"}}, "resources": [)json" +
                        base + extra + "}]}")
            .resources[0];
    };
    const Resource a = resource("");
    CHECK(a == resource(""));
    CHECK_FALSE(a != resource(""));
    // The later of duplicate keys wins, so each line below changes one field of `a`.
    for (const char* change : {
             R"json(, "serve": "/b.ts")json",
             R"json(, "remote": "http://u:p@h/b.ts")json",
             R"json(, "remote": "http://u:q@h/a.ts")json",  // same text "http://u:xxxxx@h/a.ts" in logs
             R"json(, "remotes": ["http://h/b.ts"])json",
             R"json(, "preamble": "/q.ts")json",
             R"json(, "cache": 2)json",
             R"json(, "fast_start": false)json",
             R"json(, "prebuffer": 3)json",
             R"json(, "pid_timeout": 2)json",
             R"json(, "order": "listed")json",
             R"json(, "failover": {"require_video": true})json",
             R"json(, "tlsverify": false)json",
             R"json(, "nostats": true)json",
             R"json(, "authentication": {"type": "bearer", "realm": "r", "user": "alice"})json",
             R"json(, "authentication": {"type": "basic", "realm": "s", "user": "alice"})json",
             R"json(, "authentication": {"type": "basic", "realm": "r", "user": "bob"})json",
             R"json(, "allow": ["10.0.0.0/9"])json",
             R"json(, "deny": [])json",
             R"json(, "clientinterface": "eth0", "remote": "udp://239.0.0.1:1234")json",
         }) {
        INFO(change);
        CHECK(a != resource(change));
    }
    CHECK(resource(R"json(, "clientinterface": "eth0", "remote": "udp://239.0.0.1:1234")json") !=
          resource(R"json(, "clientinterface": "eth1", "remote": "udp://239.0.0.1:1234")json"));
    // Writing a network differently is no change.
    CHECK(a == resource(R"json(, "deny": ["10.0.0.1/32"])json"));

    const Config apis = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "api", "api": "check", "serve": "/x", "remote": "/a.ts"},
        {"type": "api", "api": "control", "serve": "/y", "remote": "/a.ts"},
        {"type": "static", "serve": "/z", "remote": "/srv/z"}
    ]})json");
    CHECK(apis.resources[1] != apis.resources[2]);
    CHECK(apis.resources[1] != apis.resources[0]);
    CHECK(apis.resources[3] != apis.resources[0]);
}

TEST_CASE("Config: prebuffer is seconds from 0 to 30, whole or not", "[config]") {
    CHECK(parse_ok(with_stream("")).resources[0].prebuffer_ms == 0);
    CHECK(parse_ok(with_stream(R"json("prebuffer": 3)json")).resources[0].prebuffer_ms == 3000);
    CHECK(parse_ok(with_stream(R"json("prebuffer": 2.5)json")).resources[0].prebuffer_ms == 2500);
    CHECK(parse_ok(with_stream(R"json("prebuffer": 0)json")).resources[0].prebuffer_ms == 0);
    CHECK(parse_ok(with_stream(R"json("prebuffer": 30)json")).resources[0].prebuffer_ms == 30000);
    CHECK(parse_ok(with_stream(R"json("PreBuffer": 1e0)json")).resources[0].prebuffer_ms == 1000);
    const std::string range = "server.json: resources[0].prebuffer: expected seconds from 0 to 30";
    CHECK(error_of(with_stream(R"json("prebuffer": -1)json")) == range);
    CHECK(error_of(with_stream(R"json("prebuffer": -0.5)json")) == range);
    CHECK(error_of(with_stream(R"json("prebuffer": 30.5)json")) == range);
    CHECK(error_of(with_stream(R"json("prebuffer": 3600)json")) == range);
    CHECK(error_of(with_stream(R"json("prebuffer": 1e300)json")) == range);
    CHECK(error_of(with_stream(R"json("prebuffer": "3")json")) == "server.json: resources[0].prebuffer: expected a number");
    CHECK(error_of(with_stream(R"json("prebuffer": true)json")) == "server.json: resources[0].prebuffer: expected a number");
}

TEST_CASE("Config: pid_timeout is seconds from 0.1 to 3600, default 5", "[config]") {
    CHECK(parse_ok(with_stream("")).resources[0].pid_timeout_ms == 5000);
    CHECK(parse_ok(with_stream(R"json("pid_timeout": 1.5)json")).resources[0].pid_timeout_ms == 1500);
    const std::string range = "server.json: resources[0].pid_timeout: expected seconds from 0.1 to 3600";
    CHECK(error_of(with_stream(R"json("pid_timeout": 0)json")) == range);
    CHECK(error_of(with_stream(R"json("pid_timeout": 3601)json")) == range);
    CHECK(error_of(with_stream(R"json("pid_timeout": "5")json")) == "server.json: resources[0].pid_timeout: expected a number");
}
