// config_syntax_test.cpp - server.json as a file: syntax errors with line and column, comment keys,
// unknown, duplicate and differently-cased keys, value types, one-line messages, reading the file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: keys named \"\" are comments, anywhere, repeated", "[config]") {
    Outcome result = parse(R"json({
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

TEST_CASE("Config: unknown keys warn once per path", "[config]") {
    Outcome result = parse(R"json({
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

TEST_CASE("Config: a misspelt key warns even when it causes the error", "[config]") {
    Outcome result = parse(R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remtoe": "http://h/"}]})json");
    CHECK(result.error() == "server.json: resources[0]: a stream needs \"remote\" or \"remotes\"");
    CHECK(result.warnings == std::vector<std::string>{"server.json: resources[0].remtoe: unknown key, ignored"});
}

TEST_CASE("Config: the last of duplicate keys wins, with a warning", "[config]") {
    Outcome result = parse(R"json({"timeout": "bad", "timeout": 7, "resources": []})json");
    REQUIRE(result.config);
    CHECK(result.config->timeout_s == 7);
    CHECK(result.warnings == std::vector<std::string>{"server.json: timeout: duplicate key, the last one is used"});
}

TEST_CASE("Config: keys match case-insensitively, as in Go's encoding/json", "[config]") {
    Outcome result = parse(R"json({"Listen": "h:1", "Resources": [{"Type": "stream", "Serve": "/a.ts", "Remote": "http://h/"}]})json");
    REQUIRE(result.config);
    CHECK(result.warnings.empty());
    CHECK(result.config->listen == "h:1");
    CHECK(result.config->resources[0].serve == "/a.ts");
    CHECK(error_of(R"json({"Timeout": -1, "resources": []})json") == "server.json: Timeout: expected a non-negative integer");
}

TEST_CASE("Config: syntax errors give line and column", "[config]") {
    CHECK(error_of("{\n  \"listen\": \"h:1\"\n  \"resources\": []\n}") ==
          "server.json:3:3: syntax error: missing a comma or '}' after an object member");
    CHECK(error_of("") == "server.json:1:1: syntax error: the document is empty");
    CHECK(error_of("{\"resources\": [],}") == "server.json:1:18: syntax error: missing a name for object member");
    CHECK(error_of("{\"resources\": []} x") == "server.json:1:19: syntax error: the document root must not be followed by other values");
    // Columns count characters, not bytes: "é" is two bytes.
    CHECK(error_of("{\"log\": \"é\" x}") == "server.json:1:13: syntax error: missing a comma or '}' after an object member");
    CHECK(error_of("{\"log\": \"\xff\"}") == "server.json:1:10: syntax error: invalid encoding in string");
}

TEST_CASE("Config: the top level must be an object", "[config]") {
    CHECK(error_of("[]") == "server.json: top level: expected an object");
    CHECK(error_of("\"x\"") == "server.json: top level: expected an object");
}

TEST_CASE("Config: no resources or streams key is an error", "[config]") {
    CHECK(error_of("{}") == "server.json: no streams configured (\"resources\" or \"streams\")");
    CHECK(error_of(R"json({"listen": "h:1"})json") == "server.json: no streams configured (\"resources\" or \"streams\")");
}

TEST_CASE("Config: integers must be non-negative and fit 32 bits", "[config]") {
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

TEST_CASE("Config: wrong value types name the key path", "[config]") {
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

TEST_CASE("Config: control characters in keys and values stay escaped, one line per message", "[config]") {
    std::vector<std::string> warnings;
    auto bad = parse_config(R"({"resources":[{"type":"x\ny","serve":"/a.ts"}]})", "c.json", warnings);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().find('\n') == std::string::npos);
    CHECK(bad.error().find("x\\ny") != std::string::npos);
    auto good = parse_config(R"({"resources":[], "a\tb": 1})", "c.json", warnings);
    REQUIRE(good);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "c.json: a\\tb: unknown key, ignored");
}

TEST_CASE("Config: a file is read, or the error says why not", "[config]") {
    char dir_template[] = "/tmp/config_test.XXXXXX";
    REQUIRE(mkdtemp(dir_template));
    const std::string dir = dir_template;
    const std::string path = dir + "/server.json";
    {
        std::ofstream out(path);
        out << R"json({"streams": [{"serve": "/a.ts", "remote": "http://h/"}], "colour": 1})json";
    }

    std::vector<std::string> warnings;
    Parsed<Config> loaded = load_config_file(path, warnings);
    REQUIRE(loaded);
    CHECK(loaded->resources.size() == 1);
    CHECK(warnings == std::vector<std::string>{path + ": colour: unknown key, ignored"});

    warnings.clear();
    CHECK(load_config_file(dir + "/missing.json", warnings).error() == dir + "/missing.json: cannot read: No such file or directory");
    CHECK(load_config_file(dir, warnings).error() == dir + ": cannot read: Is a directory");
    CHECK_FALSE(load_config_file(dir, warnings));
    CHECK(warnings.empty());

    std::remove(path.c_str());
    rmdir(dir.c_str());
}
