// config_test.cpp - parse_config, load_config_file and parse_listen_address: both config forms,
// comments, warnings, defaults, and the exact one-line message for every kind of error.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/config/config.h"

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
    CHECK(config.userlist.empty());
    CHECK(config.trusted_proxies.empty());
    CHECK(config.notifications.empty());
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
    CHECK(config.userlist.count("admin") == 1);
    REQUIRE(config.notifications.size() == 1);
    CHECK(config.notifications[0].event == Notification::Event::limit_hit);
}

TEST_CASE("parse_config: resources of every type", "[config]") {
    ConfigResult result = parse(R"json({"userlist": {"admin": {"password": "x"}}, "resources": [
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
             "authentication": {"": "admins only", "type": "basic", "user": "admin"}}
        ],
        "userlist": {"": "one user", "admin": {"": "plain", "password": "x"}},
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
          "server.json: resources[0].api: unknown api \"status\" (expected health, statistics, check, control, prometheus, reload)");
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

TEST_CASE("parse_config: userlist with plain passwords and hashes", "[config][auth]") {
    const std::string hash = "sha256:73616c74:bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35";
    ConfigResult result = parse(R"json({"resources": [], "userlist": {
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

TEST_CASE("parse_config: userlist warnings", "[config][auth]") {
    ConfigResult result = parse(R"json({"resources": [], "userlist": {
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

TEST_CASE("parse_config: userlist errors", "[config][auth]") {
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

TEST_CASE("parse_config: resource authentication", "[config][auth]") {
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

TEST_CASE("parse_config: authentication warnings", "[config][auth]") {
    ConfigResult result = parse(with_stream(R"json("authentication": {"type": "basic", "realm": "x", "scheme": "md5"})json"));
    REQUIRE(result.config);
    CHECK(result.warnings == std::vector<std::string>{
                                 "server.json: resources[0].authentication.scheme: unknown key, ignored",
                                 "server.json: resources[0].authentication: no users, every request is refused",
                             });
}

TEST_CASE("parse_config: authentication errors", "[config][auth]") {
    CHECK(error_of(with_stream(R"json("authentication": {"type": "digest", "user": "a"})json")) ==
          "server.json: resources[0].authentication.type: unknown type \"digest\" (expected basic, bearer)");
    CHECK(error_of(with_stream(R"json("authentication": {"type": "Basic"})json")) ==
          "server.json: resources[0].authentication.type: unknown type \"Basic\" (expected basic, bearer)");
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

TEST_CASE("parse_config: allow and deny lists", "[config][access]") {
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

TEST_CASE("parse_config: trustedproxies", "[config][access]") {
    Config config = parse_ok(R"json({"trustedproxies": ["127.0.0.1", "10.0.0.0/8", "::1/128"], "resources": []})json");
    REQUIRE(config.trusted_proxies.size() == 3);
    CHECK(config.trusted_proxies[1].text == "10.0.0.0/8");
    CHECK(effective_client("10.1.1.1", "198.51.100.7", config.trusted_proxies) == "198.51.100.7");

    CHECK(error_of(R"json({"trustedproxies": "10.0.0.0/8", "resources": []})json") ==
          "server.json: trustedproxies: expected an array of strings");
    CHECK(error_of(R"json({"TrustedProxies": ["10.0.0.0/8", "10.0.0.0/x"], "resources": []})json") ==
          "server.json: TrustedProxies[1]: invalid prefix \"/x\" (expected /0 to /32)");
}

TEST_CASE("parse_config: notifications", "[config][notifications]") {
    ConfigResult result = parse(R"json({
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

TEST_CASE("parse_config: notification errors", "[config][notifications]") {
    auto notification_error = [](const std::string& entry) {
        return error_of(R"json({"resources": [], "userlist": {"alice": {"password": "a"}, "bob": {"password": "b b"},
            "carol": {"hash": "sha256:00:bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35"}},
            "notifications": [{"event": "heartbeat", "type": "url", "url": "http://h/"}, )json" + entry + "]}");
    };
    CHECK(notification_error(R"json("http://h/")json") == "server.json: notifications[1]: expected an object");
    CHECK(notification_error(R"json({"type": "url", "url": "http://h/"})json") == "server.json: notifications[1].event: missing");
    CHECK(notification_error(R"json({"event": "limit", "type": "url", "url": "http://h/"})json") ==
          "server.json: notifications[1].event: unknown event \"limit\" (expected limit_hit, limit_miss, heartbeat)");
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
          "server.json: notifications[1].authentication.type: unknown type \"token\" (expected basic, bearer)");
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

TEST_CASE("parse_config: check and control name a stream of the same file", "[config]") {
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

TEST_CASE("parse_config: static remotes are files or http(s) URLs", "[config]") {
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

TEST_CASE("Resource equality covers every field", "[config]") {
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
             R"json(, "tlsverify": false)json",
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

TEST_CASE("Notification equality", "[config][notifications]") {
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

TEST_CASE("config: control characters in keys and values stay escaped, one line per message", "[config]") {
    auto bad = parse_config(R"({"resources":[{"type":"x\ny","serve":"/a.ts"}]})", "c.json");
    REQUIRE_FALSE(bad.config);
    CHECK(bad.error.find('\n') == std::string::npos);
    CHECK(bad.error.find("x\\ny") != std::string::npos);
    auto good = parse_config(R"({"resources":[], "a\tb": 1})", "c.json");
    REQUIRE(good.config);
    REQUIRE(good.warnings.size() == 1);
    CHECK(good.warnings[0] == "c.json: a\\tb: unknown key, ignored");
}
