// config_playlist_test.cpp - the keys of the playlist api: guide and publicurl at the top level, and
// name, tvgid, logo and group of a stream.
#include <catch2/catch.hpp>

#include <string>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: playlist api with guide, publicurl and a stream's playlist keys", "[config][playlist]") {
    const Config config = parse_ok(R"json({"guide": "https://epg.example/guide.xml", "PublicURL": "http://tv.example/base",
        "resources": [
        {"type": "stream", "serve": "/tv.ts", "remote": "http://10.0.0.5/ch1",
         "name": "Das Erste", "tvgid": "ard.de", "logo": "http://l/ard.png", "group": "News"},
        {"type": "stream", "serve": "/plain.ts", "remote": "http://10.0.0.5/ch2"},
        {"type": "api", "api": "playlist", "serve": "/playlist.m3u"}]})json");
    CHECK(config.guide == "https://epg.example/guide.xml");
    CHECK(config.publicurl == "http://tv.example/base");
    const Resource& tv = config.resources[0];
    CHECK(tv.name == "Das Erste");
    CHECK(tv.tvg_id == "ard.de");
    CHECK(tv.logo == "http://l/ard.png");
    CHECK(tv.group == "News");
    const Resource& plain = config.resources[1];
    CHECK((plain.name.empty() && plain.tvg_id.empty() && plain.logo.empty() && plain.group.empty()));
    CHECK(config.resources[2].api == "playlist");
}

TEST_CASE("Config: playlist keys take part in Resource equality", "[config][playlist]") {
    const Config a = parse_ok(R"({"resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/a", "name": "A"}]})");
    const Config b = parse_ok(R"({"resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/a", "name": "B"}]})");
    CHECK(a.resources[0] != b.resources[0]);
}

TEST_CASE("Config: guide and publicurl must be plain http(s) URLs", "[config][playlist]") {
    const std::string stream = R"("resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/a"}])";
    CHECK(error_of(R"({"guide": "ftp://epg.example/g.xml", )" + stream + "}") ==
          "server.json: guide: expected an http:// or https:// URL without spaces or quotes");
    CHECK(error_of(R"({"publicurl": "tv.example", )" + stream + "}") ==
          "server.json: publicurl: expected an http:// or https:// URL without spaces or quotes");
    CHECK(error_of(R"({"publicurl": "http://", )" + stream + "}") ==
          "server.json: publicurl: expected an http:// or https:// URL without spaces or quotes");
    CHECK(error_of(R"({"publicurl": "http://a b/", )" + stream + "}") ==
          "server.json: publicurl: expected an http:// or https:// URL without spaces or quotes");
    CHECK(error_of(R"({"guide": "http://x/\"g", )" + stream + "}") ==
          "server.json: guide: expected an http:// or https:// URL without spaces or quotes");
    CHECK(error_of(R"({"guide": 5, )" + stream + "}").rfind("server.json: guide: ", 0) == 0);
    CHECK(parse_ok(R"({"publicurl": "HTTPS://tv.example:8443", )" + stream + "}").publicurl == "HTTPS://tv.example:8443");
}

TEST_CASE("Config: an unknown api still names playlist among the expected ones", "[config][playlist]") {
    CHECK(error_of(R"({"resources": [{"type": "api", "api": "m3u", "serve": "/p"}]})") ==
          "server.json: resources[0].api: unknown api \"m3u\" (expected health, statistics, check, control, prometheus, reload, drain, streams, status, playlist)");
}
