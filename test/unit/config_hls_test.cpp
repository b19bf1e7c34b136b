// config_hls_test.cpp - a stream's "hls" object: defaults, ranges, the prefix's uniqueness, the
// one-line errors, and Resource equality (a changed hls restarts the stream on reload).
#include <catch2/catch.hpp>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: hls with defaults and with every key", "[config][hls]") {
    Config config = parse_ok(with_stream(R"json("hls": {"serve": "/ch1/"})json"));
    REQUIRE(config.resources[0].hls);
    CHECK(config.resources[0].hls->serve == "/ch1/");
    CHECK(config.resources[0].hls->segment_s == 2);
    CHECK(config.resources[0].hls->window == 6);
    config = parse_ok(with_stream(R"json("hls": {"serve": "/ch1/", "segment": 4, "window": 10})json"));
    CHECK(config.resources[0].hls->segment_s == 4);
    CHECK(config.resources[0].hls->window == 10);
    CHECK_FALSE(parse_ok(with_stream("")).resources[0].hls);
    CHECK(parse_ok(with_stream(R"json("ondemand": true, "hls": {"serve": "/c/"})json")).resources[0].hls);
}

TEST_CASE("Config: bad hls settings are one-line errors", "[config][hls]") {
    CHECK(error_of(with_stream(R"json("hls": {})json")) == "server.json: resources[0].hls.serve: missing");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/ch1"})json")) ==
          "server.json: resources[0].hls.serve: must be a prefix that starts and ends with '/' (e.g. \"/ch1/\")");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "segment": 0})json")) ==
          "server.json: resources[0].hls.segment: must be 1 to 30 (seconds)");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "segment": 31})json")) ==
          "server.json: resources[0].hls.segment: must be 1 to 30 (seconds)");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "window": 1})json")) ==
          "server.json: resources[0].hls.window: must be 2 to 100 (segments)");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "window": 101})json")) ==
          "server.json: resources[0].hls.window: must be 2 to 100 (segments)");
    CHECK(error_of(with_stream(R"json("hls": "/c/")json")) == "server.json: resources[0].hls: expected an object");
}

TEST_CASE("Config: an hls prefix is a path of its own", "[config][hls]") {
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/a", "hls": {"serve": "/a/"}},
        {"type": "stream", "serve": "/b.ts", "remote": "http://h/b", "hls": {"serve": "/a/"}}]})json") ==
          "server.json: resources[1].hls.serve: duplicate path \"/a/\" (also resources[0].hls)");
    CHECK(error_of(R"json({"resources": [
        {"type": "stream", "serve": "/a.ts", "remote": "http://h/a", "hls": {"serve": "/a/"}},
        {"type": "api", "api": "health", "serve": "/a/health"}]})json") ==
          "server.json: resources[0].hls.serve: prefix \"/a/\" covers the path \"/a/health\"");
    CHECK(error_of(R"json({"resources": [
        {"type": "api", "api": "health", "serve": "/h", "hls": {"serve": "/a/"}}]})json") ==
          "server.json: resources[0].hls: only a stream has an HLS output");
}

TEST_CASE("Config: hls cors is \"*\" or a list of origins", "[config][hls]") {
    CHECK(parse_ok(with_stream(R"json("hls": {"serve": "/c/", "cors": "*"})json")).resources[0].hls->cors ==
          std::vector<std::string>{"*"});
    CHECK(parse_ok(with_stream(R"json("hls": {"serve": "/c/", "cors": ["https://a.example", "http://10.0.0.5:8080"]})json"))
              .resources[0].hls->cors.size() == 2);
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "cors": ["https://a.example/page"]})json")) ==
          "server.json: resources[0].hls.cors[0]: expected \"*\" or origins such as \"https://player.example\" (scheme://host[:port])");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "cors": "a.example"})json")) ==
          "server.json: resources[0].hls.cors: expected \"*\" or origins such as \"https://player.example\" (scheme://host[:port])");
    CHECK(error_of(with_stream(R"json("hls": {"serve": "/c/", "cors": ["*", "https://a.example"]})json")) ==
          "server.json: resources[0].hls.cors[0]: expected \"*\" or origins such as \"https://player.example\" (scheme://host[:port])");
    // cors is checked per request: a change does not restart the output
    HlsConfig a = *parse_ok(with_stream(R"json("hls": {"serve": "/c/", "cors": "*"})json")).resources[0].hls;
    HlsConfig b = *parse_ok(with_stream(R"json("hls": {"serve": "/c/"})json")).resources[0].hls;
    CHECK(a.same_output(b));
    CHECK_FALSE(a == b);
}

TEST_CASE("Config: hls settings take part in Resource equality", "[config][hls]") {
    const Resource a = parse_ok(with_stream(R"json("hls": {"serve": "/c/"})json")).resources[0];
    const Resource b = parse_ok(with_stream(R"json("hls": {"serve": "/c/", "segment": 3})json")).resources[0];
    const Resource c = parse_ok(with_stream(R"json("hls": {"serve": "/c/", "segment": 2})json")).resources[0];
    CHECK(a != b);
    CHECK(a == c);
    CHECK(a != parse_ok(with_stream("")).resources[0]);
}
