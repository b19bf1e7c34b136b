// static_content_test.cpp - StaticContent against real files and an in-process httplib server on an
// ephemeral 127.0.0.1 port: ETag and 304, HEAD, reloads, the cache, remote failures, one fetch at a time.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/net/unique_fd.h"
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

// The remote: an httplib server on its own thread. Handlers that must hang call hold(), which
// returns when the test ends, so that stopping the server never waits long.
class FakeRemote {
public:
    std::atomic<int> hits{0};

    ~FakeRemote() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            released_ = true;
        }
        released_cv_.notify_all();
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    httplib::Server& server() { return server_; }
    void start() {
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() only works once the server runs; a test that ends at once must not hang in join.
        while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    void hold() {
        std::unique_lock<std::mutex> lock(mutex_);
        released_cv_.wait_for(lock, seconds(10), [this] { return released_; });
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    std::condition_variable released_cv_;
    bool released_ = false;
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
    FakeRemote remote;
    remote.server().Get("/epg.xml", [&](const httplib::Request&, httplib::Response& res) {
        ++remote.hits;
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
        CHECK(remote.hits == 1);
        std::this_thread::sleep_for(milliseconds(1100));  // the behaviour under test is the expiry
        CHECK(content.get(request()).status == 200);
        CHECK(remote.hits == 2);
    }
    SECTION("cache 0 fetches per request") {
        StaticContent content("/epg.xml", remote.url("/epg.xml"), seconds(0), seconds(2));
        content.get(request());
        content.get(request());
        CHECK(remote.hits == 2);
    }
}

TEST_CASE("StaticContent: a remote that fails gives 502", "[static]") {
    FakeRemote remote;
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
    FakeRemote remote;
    remote.server().Get("/a.js", [&](const httplib::Request&, httplib::Response& res) {
        ++remote.hits;
        std::this_thread::sleep_for(milliseconds(300));  // keeps the fetch in flight while the others arrive
        res.set_content("var a;", "application/javascript");
    });
    remote.start();
    StaticContent content("/a.js", remote.url("/a.js"), seconds(60), seconds(2));

    std::vector<std::future<HttpReply>> replies;
    for (int i = 0; i < 8; ++i)
        replies.push_back(std::async(std::launch::async, [&] { return content.get(request()); }));
    for (auto& reply : replies) {
        HttpReply r = reply.get();
        CHECK(r.status == 200);
        CHECK(r.body == "var a;");
    }
    CHECK(remote.hits == 1);
}
