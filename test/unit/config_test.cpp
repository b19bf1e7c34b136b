// config_test.cpp - parse_config, load_config_file and parse_listen_address: both config forms,
// comments, warnings, defaults, and the exact one-line message for every kind of error.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/config.h"

namespace {

ConfigResult parse(const std::string& json) {
    return parse_config(json, "server.json");
}

Config parse_ok(const std::string& json) {
    ConfigResult result = parse(json);
    INFO(result.error);
    REQUIRE(result.config);
    CHECK(result.error.empty());
    return *result.config;
}

std::string error_of(const std::string& json) {
    ConfigResult result = parse(json);
    CHECK_FALSE(result.config);
    return result.error;
}

// One stream resource with the given extra members, for checking one key at a time.
std::string with_stream(const std::string& members) {
    return R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/a.ts")json" +
           std::string(members.empty() ? "" : ", ") + members + "}]}";
}

}  // namespace

TEST_CASE("parse_config: defaults match restreamer's", "[config]") {
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
    CHECK(config.log.empty());
    CHECK(config.resources.empty());
    CHECK(config.streams().empty());
}

TEST_CASE("parse_config: every top-level key of restreamer's format", "[config]") {
    ConfigResult result = parse(R"json({
        "listen": "0.0.0.0:8080",
        "timeout": 1, "reconnect": 2, "readtimeout": 3, "inputbuffer": 4, "outputbuffer": 5,
        "maxconnections": 6, "fullconnections": 7, "heartbeatinterval": 8,
        "nostats": true, "profile": false, "log": "/var/log/access.log",
        "userlist": {"admin": {"password": "x"}},
        "notifications": [{"event": "limit_hit", "type": "url", "url": "http://h/"}],
        "resources": []
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
    CHECK(config.log == "/var/log/access.log");
}

TEST_CASE("parse_config: resources of every type", "[config]") {
    ConfigResult result = parse(R"json({"resources": [
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

TEST_CASE("parse_config: remotes alone, and an empty remote counts as absent", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "", "remotes": ["tcp://h:1", "tcp://h:2"]}
    ]})json");
    REQUIRE(config.resources[0].remotes.size() == 2);
    CHECK(config.resources[0].remotes[0].port == 1);
    CHECK(config.resources[0].remotes[1].port == 2);
}

TEST_CASE("parse_config: clientinterface sets iface on udp remotes that have none", "[config]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "clientinterface": "eth1",
         "remotes": ["udp://239.0.0.1:1234", "udp://239.0.0.2:1234?iface=eth2", "http://h/x"]}
    ]})json");
    const auto& remotes = config.resources[0].remotes;
    CHECK(remotes[0].query.at("iface") == "eth1");
    CHECK(remotes[1].query.at("iface") == "eth2");
    CHECK(remotes[2].query.empty());
}

TEST_CASE("parse_config: the early streams form", "[config]") {
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

TEST_CASE("parse_config: early form entries still need remotes and a serve path", "[config]") {
    CHECK(error_of(R"json({"streams": [{"serve": "/a.ts"}]})json") ==
          "server.json: streams[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(error_of(R"json({"streams": [{"remote": "http://h/"}]})json") == "server.json: streams[0].serve: missing");
    CHECK(error_of(R"json({"streams": {}})json") == "server.json: streams: expected an array");
}

TEST_CASE("parse_config: a path served twice across both forms is an error", "[config]") {
    CHECK(error_of(R"json({
        "resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/"}],
        "streams": [{"serve": "/a.ts", "remote": "http://h/"}]
    })json") == "server.json: streams[0].serve: duplicate path \"/a.ts\" (also resources[0])");
}

TEST_CASE("parse_config: keys named \"\" are comments, anywhere, repeated", "[config]") {
    ConfigResult result = parse(R"json({
        "": "restreamer configuration",
        "": ["comments", "may", "be", "anything"],
        "listen": "localhost:8000",
        "resources": [
            {"": "first", "": {"nested": 1}, "type": "stream", "serve": "/a.ts", "remote": "http://h/",
             "authentication": {"": "not checked yet", "type": "basic"}}
        ],
        "": 42
    })json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    CHECK(result.config->resources.size() == 1);
}

TEST_CASE("parse_config: unknown keys warn once per path", "[config]") {
    ConfigResult result = parse(R"json({
        "colour": "blue",
        "colour": "red",
        "resources": [
            {"type": "stream", "serve": "/a.ts", "remote": "http://h/", "foo": 1},
            {"type": "stream", "serve": "/b.ts", "remote": "http://h/", "foo": 1, "foo": 2, "bar": null}
        ]
    })json");
    REQUIRE(result.config);
    CHECK(result.warnings == std::vector<std::string>{
                                 "server.json: colour: unknown key, ignored",
                                 "server.json: resources[0].foo: unknown key, ignored",
                                 "server.json: resources[1].foo: unknown key, ignored",
                                 "server.json: resources[1].bar: unknown key, ignored",
                             });
}

TEST_CASE("parse_config: a misspelt key warns even when it causes the error", "[config]") {
    ConfigResult result = parse(R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remtoe": "http://h/"}]})json");
    CHECK(result.error == "server.json: resources[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(result.warnings == std::vector<std::string>{"server.json: resources[0].remtoe: unknown key, ignored"});
}

TEST_CASE("parse_config: the last of duplicate keys wins, with a warning", "[config]") {
    ConfigResult result = parse(R"json({"timeout": "bad", "timeout": 7, "resources": []})json");
    REQUIRE(result.config);
    CHECK(result.config->timeout_s == 7);
    CHECK(result.warnings == std::vector<std::string>{"server.json: timeout: duplicate key, the last one is used"});
}

TEST_CASE("parse_config: keys match case-insensitively, as in Go's encoding/json", "[config]") {
    ConfigResult result = parse(R"json({"Listen": "h:1", "Resources": [{"Type": "stream", "Serve": "/a.ts", "Remote": "http://h/"}]})json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    CHECK(result.config->listen == "h:1");
    CHECK(result.config->resources[0].serve == "/a.ts");
    CHECK(error_of(R"json({"Timeout": -1, "resources": []})json") == "server.json: Timeout: expected a non-negative integer");
}

TEST_CASE("parse_config: syntax errors give line and column", "[config]") {
    CHECK(error_of("{\n  \"listen\": \"h:1\"\n  \"resources\": []\n}") ==
          "server.json:3:3: syntax error: missing a comma or '}' after an object member");
    CHECK(error_of("") == "server.json:1:1: syntax error: the document is empty");
    CHECK(error_of("{\"resources\": [],}") == "server.json:1:18: syntax error: missing a name for object member");
    CHECK(error_of("{\"resources\": []} x") == "server.json:1:19: syntax error: the document root must not be followed by other values");
    // Columns count characters, not bytes: "é" is two bytes.
    CHECK(error_of("{\"log\": \"é\" x}") == "server.json:1:13: syntax error: missing a comma or '}' after an object member");
    CHECK(error_of("{\"log\": \"\xff\"}") == "server.json:1:10: syntax error: invalid encoding in string");
}

TEST_CASE("parse_config: the top level must be an object", "[config]") {
    CHECK(error_of("[]") == "server.json: top level: expected an object");
    CHECK(error_of("\"x\"") == "server.json: top level: expected an object");
}

TEST_CASE("parse_config: no resources or streams key is an error", "[config]") {
    CHECK(error_of("{}") == "server.json: no streams configured (\"resources\" or \"streams\")");
    CHECK(error_of(R"json({"listen": "h:1"})json") == "server.json: no streams configured (\"resources\" or \"streams\")");
}

TEST_CASE("parse_config: integers must be non-negative and fit 32 bits", "[config]") {
    const std::string message = "server.json: outputbuffer: expected a non-negative integer";
    CHECK(error_of(R"json({"outputbuffer": -1, "resources": []})json") == message);
    CHECK(error_of(R"json({"outputbuffer": 1.5, "resources": []})json") == message);
    CHECK(error_of(R"json({"outputbuffer": 2.0, "resources": []})json") == message);
    CHECK(error_of(R"json({"outputbuffer": 4294967296, "resources": []})json") == message);
    CHECK(error_of(R"json({"outputbuffer": "400", "resources": []})json") == message);
    CHECK(error_of(R"json({"outputbuffer": null, "resources": []})json") == message);
    CHECK(parse_ok(R"json({"outputbuffer": 4294967295, "resources": []})json").outputbuffer == 4294967295u);
    CHECK(error_of(with_stream(R"json("cache": -5)json")) == "server.json: resources[0].cache: expected a non-negative integer");
    CHECK(error_of(with_stream(R"json("mru": 1e3)json")) == "server.json: resources[0].mru: expected a non-negative integer");
}

TEST_CASE("parse_config: wrong value types name the key path", "[config]") {
    CHECK(error_of(R"json({"listen": 8000, "resources": []})json") == "server.json: listen: expected a string");
    CHECK(error_of(R"json({"log": false, "resources": []})json") == "server.json: log: expected a string");
    CHECK(error_of(R"json({"nostats": "yes", "resources": []})json") == "server.json: nostats: expected a boolean");
    CHECK(error_of(R"json({"profile": 1, "resources": []})json") == "server.json: profile: expected a boolean");
    CHECK(error_of(R"json({"userlist": [], "resources": []})json") == "server.json: userlist: expected an object");
    CHECK(error_of(R"json({"notifications": {}, "resources": []})json") == "server.json: notifications: expected an array");
    CHECK(error_of(R"json({"resources": {}})json") == "server.json: resources: expected an array");
    CHECK(error_of(R"json({"resources": ["/a.ts"]})json") == "server.json: resources[0]: expected an object");
    CHECK(error_of(with_stream(R"json("serve": 1)json")) == "server.json: resources[0].serve: expected a string");
    CHECK(error_of(with_stream(R"json("remotes": "http://h/")json")) ==
          "server.json: resources[0].remotes: expected an array of strings");
    CHECK(error_of(with_stream(R"json("remotes": ["http://h/", 5])json")) ==
          "server.json: resources[0].remotes[1]: expected a string");
    CHECK(error_of(with_stream(R"json("authentication": "basic")json")) ==
          "server.json: resources[0].authentication: expected an object");
    CHECK(error_of(with_stream(R"json("preamble": [])json")) == "server.json: resources[0].preamble: expected a string");
    CHECK(error_of(with_stream(R"json("clientinterface": 0)json")) ==
          "server.json: resources[0].clientinterface: expected a string");
    CHECK(error_of(with_stream(R"json("type": null)json")) == "server.json: resources[0].type: expected a string");
}

TEST_CASE("parse_config: resource errors", "[config]") {
    CHECK(error_of(R"json({"resources": [{"serve": "/a.ts", "remote": "http://h/"}]})json") ==
          "server.json: resources[0].type: missing");
    CHECK(error_of(R"json({"resources": [{"type": "foo", "serve": "/a.ts"}]})json") ==
          "server.json: resources[0].type: unknown type \"foo\" (expected stream, static, api)");
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
    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "status", "serve": "/h"}]})json") ==
          "server.json: resources[0].api: unknown api \"status\" (expected health, statistics, check, control, prometheus)");
}

TEST_CASE("parse_config: duplicate serve paths name the first resource", "[config]") {
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/"},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/"},
        {"type": "api", "api": "health", "serve": "/health"},
        {"type": "static", "serve": "/a.ts", "remote": "/srv/a"}
    ]})json") == "server.json: resources[3].serve: duplicate path \"/a.ts\" (also resources[0])");
}

TEST_CASE("parse_config: bad remote URLs carry the URL parser's message", "[config]") {
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

TEST_CASE("parse_config: listen must be HOST:PORT", "[config]") {
    CHECK(error_of(R"json({"listen": "x", "resources": []})json") ==
          "server.json: listen: invalid address \"x\" (expected HOST:PORT)");
    CHECK(error_of(R"json({"listen": "h:99999", "resources": []})json") ==
          "server.json: listen: invalid address \"h:99999\" (expected HOST:PORT)");
    CHECK(error_of(R"json({"listen": "::1:80", "resources": []})json") ==
          "server.json: listen: invalid address \"::1:80\" (expected HOST:PORT)");
    CHECK(parse_ok(R"json({"listen": "localhost:http", "resources": []})json").listen == "localhost:http");
}

TEST_CASE("parse_listen_address: accepted forms", "[config]") {
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

TEST_CASE("parse_listen_address: rejected forms", "[config]") {
    for (const char* text : {"", "localhost", "localhost:", ":65536", "h:ftp", "[::1]", "[::1:80", "::1:80", "a b:80"}) {
        INFO(text);
        CHECK_FALSE(parse_listen_address(text));
    }
}

TEST_CASE("load_config_file: reads the file, or says why not", "[config]") {
    char dir_template[] = "/tmp/config_test.XXXXXX";
    REQUIRE(mkdtemp(dir_template));
    const std::string dir = dir_template;
    const std::string path = dir + "/server.json";
    {
        std::ofstream out(path);
        out << R"json({"streams": [{"serve": "/a.ts", "remote": "http://h/"}], "colour": 1})json";
    }

    ConfigResult loaded = load_config_file(path);
    REQUIRE(loaded.config);
    CHECK(loaded.config->resources.size() == 1);
    CHECK(loaded.warnings == std::vector<std::string>{path + ": colour: unknown key, ignored"});

    CHECK(load_config_file(dir + "/missing.json").error == dir + "/missing.json: cannot read: No such file or directory");
    CHECK(load_config_file(dir).error == dir + ": cannot read: Is a directory");
    CHECK_FALSE(load_config_file(dir).config);

    std::remove(path.c_str());
    rmdir(dir.c_str());
}

TEST_CASE("parse_config: delivery keys of our own, maxlag and fast_start", "[config]") {
    CHECK(parse_ok(R"json({"resources": []})json").maxlag_s == 5);
    CHECK(parse_ok(R"json({"maxlag": 12, "resources": []})json").maxlag_s == 12);
    CHECK(parse_ok(with_stream("")).resources[0].fast_start);
    CHECK_FALSE(parse_ok(with_stream(R"json("fast_start": false)json")).resources[0].fast_start);
    CHECK(error_of(with_stream(R"json("fast_start": "no")json")) == "server.json: resources[0].fast_start: expected a boolean");
    CHECK(error_of(R"json({"maxlag": -1, "resources": []})json") == "server.json: maxlag: expected a non-negative integer");
}

TEST_CASE("parse_config: tlsverify turns certificate checks off per stream", "[config]") {
    CHECK(parse_ok(with_stream("")).resources[0].tls_verify);
    CHECK_FALSE(parse_ok(with_stream(R"json("tlsverify": false)json")).resources[0].tls_verify);
    CHECK(parse_ok(with_stream(R"json("TLSVerify": true)json")).resources[0].tls_verify);
    CHECK(error_of(with_stream(R"json("tlsverify": "no")json")) == "server.json: resources[0].tlsverify: expected a boolean");
}
