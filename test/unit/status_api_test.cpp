// status_api_test.cpp - the streams API: its JSON key by key, the 200-row cap, escaping, the state
// names; Stream::viewer_infos (bounded, oldest first, with the user); the status page's markup.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <atomic>
#include <set>
#include <thread>

#include "server/http/status_api.h"
#include "server/pipeline/stream.h"
#include "synthetic_program.h"

using namespace std::chrono;

namespace {

rapidjson::Document parse(const HttpReply& reply) {
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

std::set<std::string> keys(const rapidjson::Value& object) {
    std::set<std::string> names;
    for (const auto& member : object.GetObject()) names.insert(member.name.GetString());
    return names;
}

ViewerInfo viewer(const std::string& address, const std::string& user = {}) {
    ViewerInfo v;
    v.address = address;
    v.user = user;
    v.since = system_clock::time_point(seconds(1796202301));  // 2026-12-02T09:05:01Z
    v.bytes_sent = 1880;
    v.packets_dropped = 3;
    return v;
}

StreamStatus status(const std::string& path, std::size_t viewer_rows) {
    StreamStatus s;
    s.path = path;
    s.state = "connected";
    s.upstream = "http://upstream:8000/tv";
    s.viewers = viewer_rows;
    s.input_bits_per_second = 4000000;
    s.output_bytes_per_second = 500000;
    s.packets_dropped = 7;
    s.cc_errors = 2;
    for (std::size_t i = 0; i < viewer_rows; ++i) s.viewer_rows.push_back(viewer("10.0.0." + std::to_string(i) + ":5000"));
    return s;
}

}  // namespace

TEST_CASE("Streams API: every key of a stream and of a viewer", "[status]") {
    StreamStatus s = status("/tv.ts", 0);
    s.viewer_rows.push_back(viewer("10.0.0.1:5000", "alice"));
    s.tr101290.errors[std::size_t(Tr101290Indicator::pmt_error)] = 4;
    s.tr101290.active[std::size_t(Tr101290Indicator::pmt_error)] = true;
    s.pid_rates.push_back({256, 2000000, 100, 0});
    s.null_ppm = 500000;
    const HttpReply reply = streams_reply({s});
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    const rapidjson::Document doc = parse(reply);
    REQUIRE(doc.IsArray());
    REQUIRE(doc.Size() == 1);
    const auto& stream = doc[0];
    CHECK(keys(stream) == std::set<std::string>{"path", "state", "upstream", "last_error", "viewers",
                                                "input_bits_per_second", "output_bytes_per_second", "packets_dropped",
                                                "cc_errors", "failovers", "failbacks", "tr101290", "null_share", "pids", "viewer_list",
                                                "viewers_truncated"});
    REQUIRE(stream["tr101290"].IsObject());
    CHECK(stream["tr101290"].MemberCount() == kTr101290IndicatorCount);
    CHECK(stream["tr101290"]["pmt_error"]["errors"].GetUint64() == 4);
    CHECK(stream["tr101290"]["pmt_error"]["active"].GetBool());
    CHECK(stream["tr101290"]["cc_error"]["errors"].GetUint64() == 0);
    CHECK(stream["null_share"].GetDouble() == Approx(0.5));
    REQUIRE(stream["pids"].Size() == 1);
    CHECK(keys(stream["pids"][0]) == std::set<std::string>{"pid", "bits_per_second", "packets", "cc_errors"});
    CHECK(stream["pids"][0]["bits_per_second"].GetUint64() == 2000000);
    CHECK(stream["path"].GetString() == std::string("/tv.ts"));
    CHECK(stream["state"].GetString() == std::string("connected"));
    CHECK(stream["upstream"].GetString() == std::string("http://upstream:8000/tv"));
    CHECK(stream["last_error"].GetString() == std::string());
    CHECK(stream["input_bits_per_second"].GetUint64() == 4000000);
    CHECK(stream["output_bytes_per_second"].GetUint64() == 500000);
    CHECK(stream["packets_dropped"].GetUint64() == 7);
    CHECK(stream["cc_errors"].GetUint64() == 2);
    CHECK_FALSE(stream["viewers_truncated"].GetBool());
    REQUIRE(stream["viewer_list"].Size() == 1);
    const auto& v = stream["viewer_list"][0];
    CHECK(keys(v) == std::set<std::string>{"address", "user", "since", "bytes_sent", "packets_dropped"});
    CHECK(v["address"].GetString() == std::string("10.0.0.1:5000"));
    CHECK(v["user"].GetString() == std::string("alice"));
    CHECK(v["since"].GetString() == std::string("2026-12-02T09:05:01.000Z"));
    CHECK(v["bytes_sent"].GetUint64() == 1880);
    CHECK(v["packets_dropped"].GetUint64() == 3);
}

TEST_CASE("Streams API: an empty list is an empty array", "[status]") { CHECK(streams_reply({}).body == "[]"); }

TEST_CASE("Streams API: at most 200 viewer rows, and a flag when there were more", "[status]") {
    const rapidjson::Document exactly = parse(streams_reply({status("/a.ts", kMaxViewerRows)}));
    CHECK(exactly[0]["viewer_list"].Size() == kMaxViewerRows);
    CHECK_FALSE(exactly[0]["viewers_truncated"].GetBool());

    const rapidjson::Document more = parse(streams_reply({status("/a.ts", kMaxViewerRows + 50)}));
    CHECK(more[0]["viewer_list"].Size() == kMaxViewerRows);
    CHECK(more[0]["viewers_truncated"].GetBool());
    CHECK(more[0]["viewers"].GetUint64() == kMaxViewerRows + 50);  // the count is not capped
}

TEST_CASE("Streams API: strings are escaped and read back unchanged", "[status]") {
    StreamStatus s = status("/a\"b\\c</script>.ts", 0);
    s.last_error = "bad \"reply\"\n<img src=x onerror=alert(1)>";
    s.viewer_rows.push_back(viewer("[::1]:5000", "m\u00fcller\t\"x\""));
    const HttpReply reply = streams_reply({s});
    CHECK(reply.body.find('\n') == std::string::npos);
    const rapidjson::Document doc = parse(reply);
    CHECK(doc[0]["path"].GetString() == s.path);
    CHECK(doc[0]["last_error"].GetString() == s.last_error);
    CHECK(doc[0]["viewer_list"][0]["user"].GetString() == s.viewer_rows[0].user);
}

namespace {
// A stream whose upstream is connected and has sent PAT, PMT and a GOP: viewers can attach.
struct LiveStream {
    synthetic::Program program;
    Stream stream{settings()};
    static StreamSettings settings() {
        StreamSettings s;
        s.path = "/tv.ts";
        return s;
    }
    LiveStream() {
        stream.upstream_connected(false);
        stream.packets_received(program.gop(0, 2));
    }
};
}  // namespace

TEST_CASE("Stream: viewer_infos lists present viewers, bounded, oldest first, with their user", "[status]") {
    LiveStream live;
    Stream& stream = live.stream;
    auto first = stream.attach("127.0.0.1:1", "alice");
    auto second = stream.attach("127.0.0.1:2");
    auto third = stream.attach("127.0.0.1:3");
    REQUIRE((first && second && third));
    stream.detach(second, "gone");

    const std::vector<ViewerInfo> all = stream.viewer_infos(10);
    REQUIRE(all.size() == 2);
    CHECK(all[0].address == "127.0.0.1:1");
    CHECK(all[0].user == "alice");
    CHECK(all[1].address == "127.0.0.1:3");
    CHECK(all[1].user.empty());
    CHECK(all[0].since <= all[1].since);
    CHECK(stream.viewer_infos(1).size() == 1);
    CHECK(stream.viewer_infos(0).empty());
}

TEST_CASE("Stream: viewer_infos from another thread while viewers come, go and are fed", "[status]") {
    LiveStream live;
    Stream& stream = live.stream;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> reads{0};
    std::thread api([&] {
        while (!done.load()) reads += stream.viewer_infos(kMaxViewerRows + 1).size() <= kMaxViewerRows + 1;
    });
    // The reads must overlap the changes below, not only follow them.
    while (reads.load() == 0) std::this_thread::yield();
    std::vector<std::shared_ptr<Viewer>> viewers;
    for (int i = 0; i < 300; ++i) {
        viewers.push_back(stream.attach("127.0.0.1:" + std::to_string(i), "u"));
        stream.packets_received(live.program.picture(false));
        if (i % 3 == 0) stream.detach(viewers[i / 3], "gone");
    }
    done.store(true);
    api.join();
    CHECK(reads > 0);
    CHECK(stream.viewer_infos(1000).size() == 200);  // 300 attached, 100 detached
    CHECK(stream.viewer_infos(kMaxViewerRows + 1).size() == kMaxViewerRows);
}

TEST_CASE("Status page: self-contained, polls the streams URL, which it escapes", "[status]") {
    const HttpReply page = status_page_reply("x\"><script>alert(1)</script>");
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(page.body.find("<script>alert(1)") == std::string::npos);
    CHECK(page.body.find("content=\"x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"") != std::string::npos);
    CHECK(page.body.find("innerHTML") == std::string::npos);
    CHECK(page.body.find("src=") == std::string::npos);  // no external script or style
    CHECK(page.body.find("href=") == std::string::npos);
    CHECK(page.body.find("setInterval(refresh, 2000)") != std::string::npos);
}
