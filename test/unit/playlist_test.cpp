// playlist_test.cpp - the playlist api: exact M3U text, escaping, URLs with and without publicurl,
// forwarded scheme and host from trusted proxies only, hosts that are refused, and which streams a
// client is shown.
#include <catch2/catch.hpp>

#include <string>

#include "common/config/base64.h"
#include "server/http/playlist.h"
#include "test/unit/config_test_support.h"

using namespace config_test;

namespace {

const char* const kConfig = R"json({"guide": "http://epg.example/guide.xml",
    "userlist": {"bob": {"password": "secret"}},
    "resources": [
    {"type": "stream", "serve": "/tv.ts", "remote": "http://h/1", "name": "Das Erste", "tvgid": "ard.de",
     "logo": "http://l/ard.png", "group": "News"},
    {"type": "static", "serve": "/logo.png", "remote": "/srv/logo.png"},
    {"type": "stream", "serve": "/radio/ch2.ts", "remote": "http://h/2"},
    {"type": "stream", "serve": "/secret.ts", "remote": "http://h/3", "authentication": {"type": "basic", "user": "bob"}},
    {"type": "stream", "serve": "/lan.ts", "remote": "http://h/4", "allow": ["10.0.0.0/8"]},
    {"type": "api", "api": "playlist", "serve": "/playlist.m3u"}]})json";

PlaylistRequest request_from(const std::string& host, const std::string& client_ip = "192.0.2.1") {
    PlaylistRequest request;
    request.host = host;
    request.listen_address = "127.0.0.1:8000";
    request.client_ip = client_ip;
    return request;
}

}  // namespace

TEST_CASE("Playlist: exact text with guide, every attribute, and defaults", "[playlist]") {
    const std::string text = m3u_text("http://epg.example/g.xml", {
        {"Das Erste", "ard.de", "http://l/ard.png", "News", "http://tv/tv.ts"},
        {"plain", "", "", "", "http://tv/plain.ts"},
    });
    CHECK(text == "#EXTM3U x-tvg-url=\"http://epg.example/g.xml\"\n"
                  "#EXTINF:-1 tvg-id=\"ard.de\" tvg-name=\"Das Erste\" tvg-logo=\"http://l/ard.png\" group-title=\"News\",Das Erste\n"
                  "http://tv/tv.ts\n"
                  "#EXTINF:-1 tvg-name=\"plain\",plain\n"
                  "http://tv/plain.ts\n");
    CHECK(m3u_text("", {}) == "#EXTM3U\n");
}

TEST_CASE("Playlist: quotes and line breaks cannot break an attribute or a line", "[playlist]") {
    const std::string text = m3u_text("", {{"A \"B\"\r\n#EXTINF:-1,evil", "x\"y", "l\no", "g\"", "http://tv/a.ts"}});
    CHECK(text == "#EXTM3U\n"
                  "#EXTINF:-1 tvg-id=\"x'y\" tvg-name=\"A 'B'  #EXTINF:-1,evil\" tvg-logo=\"l o\" group-title=\"g'\","
                  "A \"B\"  #EXTINF:-1,evil\n"
                  "http://tv/a.ts\n");
}

TEST_CASE("Playlist: default names and joined URLs", "[playlist]") {
    Resource stream;
    stream.serve = "/radio/ch2.ts";
    CHECK(playlist_name(stream) == "radio/ch2");
    stream.serve = "/live";
    CHECK(playlist_name(stream) == "live");
    stream.serve = "/a.b/live";
    CHECK(playlist_name(stream) == "a.b/live");
    stream.name = "Mine";
    CHECK(playlist_name(stream) == "Mine");
    CHECK(join_url("https://tv.example.com/base", "/tv.ts") == "https://tv.example.com/base/tv.ts");
    CHECK(join_url("https://tv.example.com/base/", "/tv.ts") == "https://tv.example.com/base/tv.ts");
    CHECK(join_url("http://h:8000", "/a b/\"%.ts") == "http://h:8000/a%20b/%22%25.ts");
}

TEST_CASE("Playlist: hosts that may go into a URL", "[playlist]") {
    for (const char* host : {"tv.example", "tv.example:8000", "127.0.0.1:1", "[::1]", "[::1]:8000", "a-b.c"}) {
        INFO(host);
        CHECK(valid_host(host));
    }
    for (const char* host : {"", "a\"b", "a b", "a/b", "tv:", "tv:123456", "tv:8o", "[::1", "[]", "[::1]x", "a@b", "a\r\nb"}) {
        INFO(host);
        CHECK_FALSE(valid_host(host));
    }
}

TEST_CASE("Playlist: the whole reply for a client, without and with publicurl", "[playlist]") {
    Config config = parse_ok(kConfig);
    HttpReply reply = playlist_reply(config, request_from("tv.example:8000"));
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "audio/x-mpegurl; charset=utf-8");
    const std::string tail = "#EXTINF:-1 tvg-id=\"ard.de\" tvg-name=\"Das Erste\" tvg-logo=\"http://l/ard.png\" group-title=\"News\",Das Erste\n";
    CHECK(reply.body == "#EXTM3U x-tvg-url=\"http://epg.example/guide.xml\"\n" + tail +
                        "http://tv.example:8000/tv.ts\n"
                        "#EXTINF:-1 tvg-name=\"radio/ch2\",radio/ch2\n"
                        "http://tv.example:8000/radio/ch2.ts\n");
    config.publicurl = "https://tv.example.com/base/";
    CHECK(playlist_reply(config, request_from("ignored.example")).body ==
          "#EXTM3U x-tvg-url=\"http://epg.example/guide.xml\"\n" + tail +
          "https://tv.example.com/base/tv.ts\n"
          "#EXTINF:-1 tvg-name=\"radio/ch2\",radio/ch2\n"
          "https://tv.example.com/base/radio/ch2.ts\n");
}

TEST_CASE("Playlist: streams by the client's address and credentials", "[playlist]") {
    const Config config = parse_ok(kConfig);
    auto urls = [&](const PlaylistRequest& request) {
        std::string out;
        for (const PlaylistEntry& entry : playlist_entries(config, "http://h", request)) out += entry.url + " ";
        return out;
    };
    CHECK(urls(request_from("h")) == "http://h/tv.ts http://h/radio/ch2.ts ");
    CHECK(urls(request_from("h", "10.1.2.3")) == "http://h/tv.ts http://h/radio/ch2.ts http://h/lan.ts ");
    PlaylistRequest bob = request_from("h");
    bob.authorization = "Basic " + base64_encode("bob:secret");
    CHECK(urls(bob) == "http://h/tv.ts http://h/radio/ch2.ts http://h/secret.ts ");
    bob.authorization = "Basic " + base64_encode("bob:wrong");
    CHECK(urls(bob) == "http://h/tv.ts http://h/radio/ch2.ts ");
}

TEST_CASE("Playlist: X-Forwarded-Proto and -Host only from a trusted proxy; a bad host is refused", "[playlist]") {
    const Config config = parse_ok(kConfig);
    PlaylistRequest request = request_from("inner:8000");
    request.forwarded_proto = "https, http";
    request.forwarded_host = "tv.example, evil.example";
    CHECK(*playlist_base_url(config, request) == "http://inner:8000");
    request.from_trusted_proxy = true;
    CHECK(*playlist_base_url(config, request) == "https://tv.example");
    request.forwarded_proto = "gopher";
    CHECK(*playlist_base_url(config, request) == "http://tv.example");
    request.forwarded_host = "a\"b";
    CHECK_FALSE(playlist_base_url(config, request));
    CHECK(playlist_reply(config, request).status == 400);
    CHECK(*playlist_base_url(config, request_from("")) == "http://127.0.0.1:8000");
    CHECK_FALSE(playlist_base_url(config, request_from("x\"><script>")));
}
