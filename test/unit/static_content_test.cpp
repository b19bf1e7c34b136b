// static_content_test.cpp - StaticContent against real files and an in-process httplib server on an
// ephemeral 127.0.0.1 port: ETag and 304, HEAD, reloads, the cache, remote failures, one fetch at a time.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "latch.h"
#include "loopback_http_server.h"
#include "refusing_port.h"
#include "server/http/static_content.h"

using namespace std::chrono;

namespace {

// A private directory under /tmp, removed at the end of the test.
class ScratchDir {
public:
    ScratchDir() {
        char pattern[] = "/tmp/static_content_test_XXXXXX";
        REQUIRE(::mkdtemp(pattern));
        path_ = pattern;
    }
    ~ScratchDir() {
        for (const auto& name : files_) std::remove((path_ + "/" + name).c_str());
        ::rmdir(path_.c_str());
    }
    std::string write(const std::string& name, const std::string& content) {
        std::ofstream(path_ + "/" + name, std::ios::binary | std::ios::trunc) << content;
        files_.push_back(name);
        return path_ + "/" + name;
    }
    std::string path(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
    std::vector<std::string> files_;
};

HttpRequestInfo request(const std::string& method = "GET", const std::string& if_none_match = "") {
    HttpRequestInfo info;
    info.method = method;
    info.path = "/static";
    if (!if_none_match.empty()) info.headers["if-none-match"] = if_none_match;
    return info;
}

std::string header(const HttpReply& reply, const std::string& name) {
    for (const auto& [key, value] : reply.headers)
        if (key == name) return value;
    return "";
}

}  // namespace

TEST_CASE("StaticContent: a local file is served with a strong ETag, its type and max-age", "[static]") {
    ScratchDir dir;
    const std::string file = dir.write("channels.json", "{\"channels\": []}");
    StaticContent content("/channels.json", "file://" + file, seconds(30), seconds(1));

    HttpReply reply = content.get(request());
    CHECK(reply.status == 200);
    CHECK(reply.body == "{\"channels\": []}");
    CHECK(reply.content_type == "application/json");
    CHECK(header(reply, "Cache-Control") == "max-age=30");
    const std::string etag = header(reply, "ETag");
    REQUIRE(etag.size() == 18);  // a quoted 16-digit hex hash
    CHECK(etag.front() == '"');
    CHECK(etag.back() == '"');

    SECTION("a plain absolute path works the same") {
        StaticContent plain("/channels.json", file, seconds(0), seconds(1));
        HttpReply again = plain.get(request());
        CHECK(again.status == 200);
        CHECK(header(again, "ETag") == etag);  // the content, not the time, makes the tag
        CHECK(header(again, "Cache-Control") == "no-cache");
    }
    SECTION("the request path never selects another file") {
        HttpRequestInfo sneaky = request();
        sneaky.path = "/../../etc/passwd";
        CHECK(content.get(sneaky).body == "{\"channels\": []}");
    }
}

TEST_CASE("StaticContent: If-None-Match with the current ETag gets 304 without a body", "[static]") {
    ScratchDir dir;
    StaticContent content("/list.m3u8", dir.write("list.m3u8", "#EXTM3U\n"), seconds(10), seconds(1));
    const HttpReply first = content.get(request());
    CHECK(first.content_type == "application/vnd.apple.mpegurl");
    const std::string etag = header(first, "ETag");

    for (const std::string& condition : {etag, "\"0000000000000000\", " + etag, "W/" + etag, std::string("*")}) {
        INFO("If-None-Match: " << condition);
        HttpReply reply = content.get(request("GET", condition));
        CHECK(reply.status == 304);
        CHECK(reply.body.empty());
        CHECK(header(reply, "ETag") == etag);
        CHECK(header(reply, "Cache-Control") == "max-age=10");
    }
    HttpReply other = content.get(request("GET", "\"0000000000000000\""));
    CHECK(other.status == 200);
    CHECK(other.body == "#EXTM3U\n");
}

TEST_CASE("StaticContent: HEAD gets the headers of GET and no body", "[static]") {
    ScratchDir dir;
    StaticContent content("/a.txt", dir.write("a.txt", "hello"), seconds(5), seconds(1));
    const HttpReply get = content.get(request());
    const HttpReply head = content.get(request("HEAD"));
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.content_type == get.content_type);
    CHECK(head.headers == get.headers);
}

TEST_CASE("StaticContent: a changed file is reloaded and gets a new ETag, even within the cache time",
          "[static]") {
    ScratchDir dir;
    const std::string file = dir.write("a.txt", "version one");
    StaticContent content("/a.txt", file, seconds(3600), seconds(1));
    const std::string first = header(content.get(request()), "ETag");

    dir.write("a.txt", "version two, longer");
    HttpReply reply = content.get(request("GET", first));
    CHECK(reply.status == 200);
    CHECK(reply.body == "version two, longer");
    CHECK(header(reply, "ETag") != first);
}

TEST_CASE("StaticContent: a missing file is 404, a file over the size bound is 500", "[static]") {
    ScratchDir dir;
    SECTION("missing") {
        StaticContent content("/gone.txt", dir.path("gone.txt"), seconds(5), seconds(1));
        HttpReply reply = content.get(request());
        CHECK(reply.status == 404);
        CHECK(header(reply, "ETag").empty());
        CHECK(header(reply, "Cache-Control") == "no-cache");
        SECTION("and served once it appears") {
            dir.write("gone.txt", "back");
            CHECK(content.get(request()).status == 200);
        }
    }
    SECTION("too large") {
        const std::string file = dir.write("big.bin", "");
        REQUIRE(::truncate(file.c_str(), static_cast<off_t>(StaticContent::kMaxBodyBytes + 1)) == 0);  // sparse
        StaticContent content("/big.bin", file, seconds(5), seconds(1));
        CHECK(content.get(request()).status == 500);
    }
}

TEST_CASE("StaticContent: remotes that are not a file or http(s) are refused", "[static]") {
    CHECK(StaticContent::check_remote("http://example.com/a.json").empty());
    CHECK(StaticContent::check_remote("https://example.com/a.json").empty());
    CHECK(StaticContent::check_remote("file:///srv/a.json").empty());
    CHECK(StaticContent::check_remote("/srv/a.json").empty());
    CHECK_FALSE(StaticContent::check_remote("srv/a.json").empty());
    CHECK_FALSE(StaticContent::check_remote("udp://239.0.0.1:1234").empty());
    StaticContent content("/x", "ftp://example.com/x", seconds(5), seconds(1));
    CHECK(content.get(request()).status == 500);
}

TEST_CASE("StaticContent: a remote is fetched once per cache period, with its Content-Type", "[static]") {
    std::atomic<int> hits{0};
    LoopbackHttpServer remote;
    remote.server().Get("/epg.xml", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.set_content("<tv/>", "text/xml");
    });
    remote.start();

    SECTION("cache 1 s") {
        StaticContent content("/epg.xml", remote.url("/epg.xml"), seconds(1), seconds(2));
        HttpReply first = content.get(request());
        CHECK(first.status == 200);
        CHECK(first.body == "<tv/>");
        CHECK(first.content_type == "text/xml");
        CHECK(content.get(request("GET", header(first, "ETag"))).status == 304);
        CHECK(hits == 1);
        std::this_thread::sleep_for(milliseconds(1100));  // the behaviour under test is the expiry
        CHECK(content.get(request()).status == 200);
        CHECK(hits == 2);
    }
    SECTION("cache 0 fetches per request") {
        StaticContent content("/epg.xml", remote.url("/epg.xml"), seconds(0), seconds(2));
        content.get(request());
        content.get(request());
        CHECK(hits == 2);
    }
}

TEST_CASE("StaticContent: user:password in the remote URL is sent as Basic credentials", "[static]") {
    LoopbackHttpServer remote;
    remote.server().Get("/private.json", [](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Authorization") != "Basic dXNAZXI6cGFzcw==") {  // "us@er:pass"
            res.status = 401;
            return;
        }
        res.set_content("{}", "application/json");
    });
    remote.start();
    const std::string url = remote.url("/private.json").substr(std::string("http://").size());
    StaticContent with("/x", "http://us%40er:pass@" + url, seconds(0), seconds(2));
    CHECK(with.get(request()).status == 200);
    StaticContent without("/x", "http://" + url, seconds(0), seconds(2));
    CHECK(without.get(request()).status == 502);
}

TEST_CASE("StaticContent: a remote that fails gives 502", "[static]") {
    LoopbackHttpServer remote;
    remote.server().Get("/error", [](const httplib::Request&, httplib::Response& res) {
        res.status = 500;
        res.set_content("oops", "text/plain");
    });
    remote.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
        remote.hold();
        res.set_content("late", "text/plain");
    });
    remote.start();

    SECTION("remote down") {
        RefusingPort down;
        StaticContent content("/x", down.url("/x"), seconds(5), seconds(1));
        HttpReply reply = content.get(request());
        CHECK(reply.status == 502);
        CHECK(reply.body == "bad gateway");
    }
    SECTION("remote answers 500") {
        StaticContent content("/x", remote.url("/error"), seconds(5), seconds(1));
        CHECK(content.get(request()).status == 502);
    }
    SECTION("remote answers 404") {
        StaticContent content("/x", remote.url("/nothing-here"), seconds(5), seconds(1));
        CHECK(content.get(request()).status == 502);
    }
    SECTION("remote too slow") {
        StaticContent content("/x", remote.url("/slow"), seconds(5), milliseconds(300));
        const auto start = steady_clock::now();
        CHECK(content.get(request()).status == 502);
        CHECK(steady_clock::now() - start < seconds(2));
    }
}

TEST_CASE("StaticContent: concurrent requests share one fetch", "[static]") {
    // The first caller's fetch stays in flight until the seven others are on their way into get().
    // (One that still came after the fetch would be served from the 60 s cache: hits stays 1.)
    std::atomic<int> hits{0};
    Latch fetch_started(1);
    Latch others_calling(7);
    LoopbackHttpServer remote;
    remote.server().Get("/a.js", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        fetch_started.count_down();
        (void)others_calling.wait_for(seconds(2));
        res.set_content("var a;", "application/javascript");
    });
    remote.start();
    StaticContent content("/a.js", remote.url("/a.js"), seconds(60), seconds(2));

    std::vector<std::future<HttpReply>> replies;
    replies.push_back(std::async(std::launch::async, [&] { return content.get(request()); }));
    REQUIRE(fetch_started.wait_for(seconds(2)));
    for (int i = 0; i < 7; ++i)
        replies.push_back(std::async(std::launch::async, [&] {
            others_calling.count_down();
            return content.get(request());
        }));
    for (auto& reply : replies) {
        HttpReply r = reply.get();
        CHECK(r.status == 200);
        CHECK(r.body == "var a;");
    }
    CHECK(hits == 1);
}
