// api_test.cpp - API replies: health and statistics JSON key by key, limits and status, rates over a fake
// clock, check and control statuses, and Prometheus text that promtool accepts.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <sys/wait.h>

#include "server/http/api.h"

using namespace std::chrono;

namespace {

StreamStats stream_stats(std::size_t clients, uint64_t packets_received, uint64_t bytes_sent,
                         uint64_t packets_dropped, nanoseconds viewer_time = nanoseconds(0)) {
    StreamStats stats;
    stats.connected = true;
    stats.state = StreamState::connected;
    stats.clients = clients;
    stats.packets_received = packets_received;
    stats.bytes_received = packets_received * 188;
    stats.bytes_sent = bytes_sent;
    stats.packets_dropped = packets_dropped;
    stats.viewer_time = viewer_time;
    return stats;
}

// The clock StatisticsApi reads; tests move it by hand.
struct FakeClock {
    steady_clock::time_point now = steady_clock::time_point{} + hours(1);
    StatisticsApi::ClockFunction function() {
        return [this] { return now; };
    }
};

rapidjson::Document parse_json(const HttpReply& reply) {
    rapidjson::Document document;
    document.Parse(reply.body.c_str());
    REQUIRE_FALSE(document.HasParseError());
    REQUIRE(document.IsObject());
    return document;
}

uint64_t uint_member(const rapidjson::Document& document, const char* key) {
    INFO("key " << key);
    REQUIRE(document.HasMember(key));
    REQUIRE(document[key].IsUint64());
    return document[key].GetUint64();
}

std::string string_member(const rapidjson::Document& document, const char* key) {
    INFO("key " << key);
    REQUIRE(document.HasMember(key));
    REQUIRE(document[key].IsString());
    return document[key].GetString();
}

// Sample lines of an exposition, "name{labels}" -> value.
std::map<std::string, double> prometheus_samples(const std::string& text) {
    std::map<std::string, double> samples;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto space = line.rfind(' ');
        REQUIRE(space != std::string::npos);
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
}

struct CommandResult {
    int exit_code = -1;
    std::string output;
};

CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[512];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    int status = pclose(pipe);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

}  // namespace

TEST_CASE("health: viewers, limits and bandwidth in kbit/s, and nothing else", "[api]") {
    GlobalStatistics global;
    global.connections = 7;
    global.limits = {100, 80};
    global.per_second.bytes_sent = 256000;  // 2,048,000 bit/s = 2000 kbit/s

    HttpReply reply = health_reply(global);
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    auto json = parse_json(reply);
    CHECK(json.MemberCount() == 5);
    CHECK(string_member(json, "status") == "ok");
    CHECK(uint_member(json, "viewer") == 7);
    CHECK(uint_member(json, "limit") == 80);
    CHECK(uint_member(json, "max") == 100);
    CHECK(uint_member(json, "bandwidth") == 2000);
}

TEST_CASE("health: full, with the reason, while the server is out of descriptors", "[api]") {
    GlobalStatistics global;
    global.connections = 3;
    global.server.descriptors_exhausted = true;
    auto json = parse_json(health_reply(global));
    CHECK(string_member(json, "status") == "full");
    CHECK(string_member(json, "reason") == "out of file descriptors");
    global.server.descriptors_exhausted = false;
    json = parse_json(health_reply(global));
    CHECK(string_member(json, "status") == "ok");
    CHECK(!json.HasMember("reason"));
}

TEST_CASE("health: full at fullconnections or at maxconnections; a limit of 0 is none", "[api]") {
    struct Case {
        uint64_t connections;
        unsigned max, full;
        const char* status;
    };
    // connections  max  full  -> status
    const Case cases[] = {
        {0, 0, 0, "ok"},    {1000, 0, 0, "ok"},  {79, 100, 80, "ok"},  {80, 100, 80, "full"},
        {99, 100, 80, "full"}, {100, 100, 80, "full"}, {150, 100, 80, "full"}, {9, 10, 0, "ok"},
        {10, 10, 0, "full"}, {4, 0, 5, "ok"},    {5, 0, 5, "full"},
    };
    for (const Case& c : cases) {
        INFO("connections=" << c.connections << " max=" << c.max << " full=" << c.full);
        GlobalStatistics global;
        global.connections = c.connections;
        global.limits = {c.max, c.full};
        CHECK(string_member(parse_json(health_reply(global)), "status") == c.status);
    }
}

TEST_CASE("statistics: every key, its type and its value, summed over streams", "[api]") {
    FakeClock clock;
    StatisticsApi api(clock.function());
    StreamStatsList streams = {
        {"/a.ts", stream_stats(2, 1000, 188 * 1500, 10, seconds(3))},
        {"/b.ts", stream_stats(3, 500, 188 * 400 + 100, 5, milliseconds(250))},
    };
    ServerCounters server;
    server.accept_failures = 12;
    server.access_log_write_failures = 7;
    streams[0].second.hls_requests = 5;
    streams[1].second.hls_requests = 2;
    streams[1].second.hls_bytes_sent = 1000;
    const auto pat = std::size_t(Tr101290Indicator::pat_error);
    streams[0].second.tr101290.errors[pat] = 2;
    streams[1].second.tr101290.errors[pat] = 3;
    streams[1].second.tr101290.active[pat] = true;
    HttpReply reply = api.statistics(streams, {50, 40}, server);
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    auto json = parse_json(reply);
    CHECK(json.MemberCount() == 24);
    REQUIRE(json["tr101290_errors"].IsObject());
    CHECK(json["tr101290_errors"].MemberCount() == kTr101290IndicatorCount);
    CHECK(json["tr101290_errors"]["pat_error"].GetUint64() == 5);
    CHECK(json["tr101290_errors"]["cc_error"].GetUint64() == 0);
    CHECK(json["tr101290_streams_active"]["pat_error"].GetUint64() == 1);
    CHECK(uint_member(json, "total_hls_requests") == 7);
    CHECK(uint_member(json, "total_hls_bytes_sent") == 1000);
    CHECK(uint_member(json, "accept_failures") == 12);
    // Streams by state: an idle on-demand stream is counted apart from a failed one.
    REQUIRE(json["streams"].IsObject());
    CHECK(json["streams"].MemberCount() == 5);
    CHECK(json["streams"]["connected"].GetUint64() == 2);
    for (const char* state : {"idle", "starting", "failed", "offline"}) CHECK(json["streams"][state].GetUint64() == 0);
    CHECK(string_member(json, "status") == "ok");
    CHECK(uint_member(json, "connections") == 5);
    CHECK(uint_member(json, "max_connections") == 50);
    CHECK(uint_member(json, "full_connections") == 40);
    CHECK(uint_member(json, "total_packets_received") == 1500);
    CHECK(uint_member(json, "total_packets_sent") == 1900);  // whole packets of bytes sent
    CHECK(uint_member(json, "total_packets_dropped") == 15);
    CHECK(uint_member(json, "total_bytes_received") == 1500 * 188);
    CHECK(uint_member(json, "total_bytes_sent") == 188 * 1900 + 100);
    CHECK(uint_member(json, "total_bytes_dropped") == 15 * 188);
    REQUIRE(json.HasMember("total_stream_time_ns"));
    REQUIRE(json["total_stream_time_ns"].IsInt64());
    CHECK(json["total_stream_time_ns"].GetInt64() == 3250000000LL);
    CHECK(uint_member(json, "access_log_write_failures") == 7);
    // The first sample has nothing to compare with.
    for (const char* key : {"packets_per_second_received", "packets_per_second_sent", "packets_per_second_dropped",
                            "bytes_per_second_received", "bytes_per_second_sent", "bytes_per_second_dropped"})
        CHECK(uint_member(json, key) == 0);
}

TEST_CASE("statistics: ok below fullconnections, full from it, overload from maxconnections", "[api]") {
    struct Case {
        uint64_t connections;
        unsigned max, full;
        const char* status;
    };
    // connections  max  full  -> status
    const Case cases[] = {
        {0, 0, 0, "ok"},    {5000, 0, 0, "ok"}, {79, 100, 80, "ok"},   {80, 100, 80, "full"},
        {99, 100, 80, "full"}, {100, 100, 80, "overload"}, {101, 100, 80, "overload"},
        {9, 10, 0, "ok"},   {10, 10, 0, "overload"}, {5, 0, 5, "full"}, {500, 0, 5, "full"},
    };
    for (const Case& c : cases) {
        INFO("connections=" << c.connections << " max=" << c.max << " full=" << c.full);
        GlobalStatistics global;
        global.connections = c.connections;
        global.limits = {c.max, c.full};
        CHECK(string_member(parse_json(statistics_reply(global)), "status") == c.status);
    }
}

TEST_CASE("RateMeter: rates over the interval since the last sample, held while under a second", "[api]") {
    // t (s)    0     0.5    2      2.9    4
    // bytes    0     9999   2000   9999   5000
    // rate     0     0      1000   1000   1500   <- 0.5 s and 2.9 s are too soon: last rates, sample kept
    RateMeter meter(seconds(1));
    auto t0 = steady_clock::time_point{} + hours(1);
    auto totals = [](uint64_t bytes) {
        TrafficCounters counters;
        counters.bytes_sent = bytes;
        counters.packets_received = bytes / 10;
        return counters;
    };
    CHECK(meter.update(totals(0), t0).bytes_sent == 0);
    CHECK(meter.update(totals(9999), t0 + milliseconds(500)).bytes_sent == 0);
    auto rates = meter.update(totals(2000), t0 + seconds(2));
    CHECK(rates.bytes_sent == 1000);
    CHECK(rates.packets_received == 100);
    CHECK(meter.update(totals(9999), t0 + milliseconds(2900)).bytes_sent == 1000);
    CHECK(meter.update(totals(5000), t0 + seconds(4)).bytes_sent == 1500);
}

TEST_CASE("RateMeter: a counter that went down counts as no traffic, then rates resume", "[api]") {
    RateMeter meter(seconds(1));
    auto t0 = steady_clock::time_point{} + hours(1);
    TrafficCounters counters;
    counters.bytes_received = 10000;
    meter.update(counters, t0);
    counters.bytes_received = 500;  // the stream was restarted
    CHECK(meter.update(counters, t0 + seconds(1)).bytes_received == 0);
    counters.bytes_received = 1500;
    CHECK(meter.update(counters, t0 + seconds(2)).bytes_received == 1000);
}

TEST_CASE("StatisticsApi: statistics, health and prometheus report the same per-second rates", "[api]") {
    FakeClock clock;
    StatisticsApi api(clock.function());
    ConnectionLimits limits{0, 0};
    StreamStatsList streams = {{"/a.ts", stream_stats(1, 0, 0, 0)}, {"/b.ts", stream_stats(1, 0, 0, 0)}};
    api.statistics(streams, limits);

    // 2 s later: /a.ts got 2000 packets and sent 4000 (of which 200 dropped), /b.ts got 1000 and sent 1000.
    clock.now += seconds(2);
    streams = {{"/a.ts", stream_stats(1, 2000, 4000 * 188, 200)}, {"/b.ts", stream_stats(1, 1000, 1000 * 188, 0)}};
    auto json = parse_json(api.statistics(streams, limits));
    CHECK(uint_member(json, "packets_per_second_received") == 1500);
    CHECK(uint_member(json, "packets_per_second_sent") == 2500);
    CHECK(uint_member(json, "packets_per_second_dropped") == 100);
    CHECK(uint_member(json, "bytes_per_second_received") == 1500 * 188);
    CHECK(uint_member(json, "bytes_per_second_sent") == 2500 * 188);
    CHECK(uint_member(json, "bytes_per_second_dropped") == 100 * 188);

    // Within the second the rates stand, even though the counters moved.
    clock.now += milliseconds(300);
    streams[0].second.bytes_sent += 1000000;
    auto health = parse_json(api.health(streams, limits));
    CHECK(uint_member(health, "bandwidth") == 2500 * 188 * 8 / 1024);

    auto samples = prometheus_samples(api.prometheus(streams, limits).body);
    CHECK(samples.at("restreamer_input_bitrate{stream=\"/a.ts\"}") == 1000 * 188 * 8);
    CHECK(samples.at("restreamer_input_bitrate{stream=\"/b.ts\"}") == 500 * 188 * 8);
}

TEST_CASE("StatisticsApi: a stream removed by a reload does not turn the global rates negative", "[api]") {
    FakeClock clock;
    StatisticsApi api(clock.function());
    api.statistics({{"/a.ts", stream_stats(0, 100000, 0, 0)}, {"/b.ts", stream_stats(0, 0, 0, 0)}}, {});
    clock.now += seconds(1);
    // /a.ts is gone; /b.ts received 500 packets: the global rate is /b.ts's, not a wrapped difference.
    auto json = parse_json(api.statistics({{"/b.ts", stream_stats(0, 500, 0, 0)}}, {}));
    CHECK(uint_member(json, "packets_per_second_received") == 500);
    CHECK(uint_member(json, "total_packets_received") == 500);
}

TEST_CASE("StatisticsApi: concurrent callers each get a whole, consistent reply", "[api]") {
    StatisticsApi api;
    StreamStatsList streams = {{"/a.ts", stream_stats(3, 10, 188, 0)}};
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                rapidjson::Document document;
                document.Parse(api.health(streams, {10, 0}).body.c_str());
                if (!document.HasParseError() && document["viewer"].GetUint64() == 3) ++good;
                api.prometheus(streams, {10, 0});
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(good == 800);
}

TEST_CASE("check: 200 while the upstream is connected, 404 otherwise", "[api]") {
    HttpReply up = check_reply(true);
    CHECK(up.status == 200);
    CHECK(up.body == "200 ok");
    CHECK(up.content_type == "text/plain");
    HttpReply down = check_reply(false);
    CHECK(down.status == 404);
    CHECK(down.body == "404 not found");
    CHECK(down.content_type == "text/plain");
}

TEST_CASE("control: offline and online switch the stream with 202; anything else is 400", "[api]") {
    std::vector<bool> calls;
    auto set_offline = [&](bool offline) { calls.push_back(offline); };
    HttpRequestInfo request;

    SECTION("offline") {
        request.query = {{"offline", ""}};
        HttpReply reply = control_reply(request, set_offline);
        CHECK(reply.status == 202);
        CHECK(reply.body == "202 accepted");
        CHECK(reply.content_type == "text/plain");
        CHECK(calls == std::vector<bool>{true});
    }
    SECTION("online") {
        request.query = {{"online", "1"}};
        HttpReply reply = control_reply(request, set_offline);
        CHECK(reply.status == 202);
        CHECK(reply.body == "202 accepted");
        CHECK(calls == std::vector<bool>{false});
    }
    SECTION("both: offline wins") {
        request.query = {{"online", ""}, {"offline", ""}};
        CHECK(control_reply(request, set_offline).status == 202);
        CHECK(calls == std::vector<bool>{true});
    }
    SECTION("neither") {
        request.query = {{"status", ""}};
        HttpReply reply = control_reply(request, set_offline);
        CHECK(reply.status == 400);
        CHECK(reply.body == "400 bad request");
        CHECK(calls.empty());
    }
}

TEST_CASE("prometheus: per-stream families with a stream label, global gauges, HELP and TYPE", "[api]") {
    FakeClock clock;
    StatisticsApi api(clock.function());
    StreamStats a = stream_stats(4, 1000, 188 * 900, 7, milliseconds(1500));
    a.cc_errors = 3;
    a.upstream_connects = 9;
    a.upstream_failures = 10;
    a.sync_losses = 2;
    a.bytes_skipped = 100;
    a.bad_sections = 4;
    a.gop_overflows = 5;
    a.splices = 6;
    a.splice_dropped_packets = 8;
    a.filter_dropped_packets = 14;
    a.filter_dropped_pids = 3;
    a.starts = 11;
    a.start_failures = 13;
    a.upstream_failovers = 14;
    a.upstream_failbacks = 15;
    a.hls_requests = 14;
    a.hls_bytes_sent = 15;
    a.tr101290.errors[std::size_t(Tr101290Indicator::cc_error)] = 3;
    a.tr101290.active[std::size_t(Tr101290Indicator::pid_error)] = true;
    for (uint16_t pid = 0; pid < 40; ++pid) a.pid_rates.push_back({pid, 1000u * pid, 10, pid == 1 ? 3u : 0u});
    a.null_ppm = 250000;
    StreamStats b = stream_stats(0, 20, 0, 0);
    b.connected = false;
    b.state = StreamState::idle;
    StreamStatsList streams = {{"/a.ts", a}, {"/b.ts", b}};

    ServerCounters server;
    server.access_log_write_failures = 12;
    HttpReply reply = api.prometheus(streams, {100, 90}, server);
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = reply.body;
    auto samples = prometheus_samples(text);

    const std::pair<const char*, const char*> families[] = {
        {"restreamer_stream_connections", "gauge"},         {"restreamer_packets_received_total", "counter"},
        {"restreamer_packets_sent_total", "counter"},        {"restreamer_packets_dropped_total", "counter"},
        {"restreamer_bytes_received_total", "counter"},      {"restreamer_bytes_sent_total", "counter"},
        {"restreamer_bytes_dropped_total", "counter"},       {"restreamer_viewer_duration_seconds_total", "counter"},
        {"restreamer_source_connected", "gauge"},            {"restreamer_input_cc_errors_total", "counter"},
        {"restreamer_stream_idle", "gauge"},                 {"restreamer_stream_failed", "gauge"},
        {"restreamer_stream_starts_total", "counter"},       {"restreamer_stream_start_failures_total", "counter"},
        {"restreamer_upstream_connects_total", "counter"}, {"restreamer_upstream_failures_total", "counter"},
        {"restreamer_input_sync_losses_total", "counter"},  {"restreamer_input_skipped_bytes_total", "counter"},
        {"restreamer_input_bad_sections_total", "counter"},  {"restreamer_gop_cache_overflows_total", "counter"},
        {"restreamer_upstream_splices_total", "counter"},    {"restreamer_splice_dropped_packets_total", "counter"},
        {"restreamer_input_bitrate", "gauge"}, {"restreamer_connections", "gauge"},
        {"restreamer_max_connections", "gauge"},             {"restreamer_full_connections", "gauge"},
        {"restreamer_access_log_write_failures_total", "counter"},
        {"restreamer_hls_requests_total", "counter"},        {"restreamer_hls_bytes_sent_total", "counter"},
    };
    for (const auto& [name, type] : families) {
        INFO(name);
        CHECK(text.find(std::string("# HELP ") + name + " ") != std::string::npos);
        CHECK(text.find(std::string("# TYPE ") + name + " " + type + "\n") != std::string::npos);
    }

    auto at = [&](const std::string& key) {
        INFO(key);
        REQUIRE(samples.count(key) == 1);
        return samples[key];
    };
    CHECK(at("restreamer_stream_connections{stream=\"/a.ts\"}") == 4);
    CHECK(at("restreamer_stream_connections{stream=\"/b.ts\"}") == 0);
    CHECK(at("restreamer_packets_received_total{stream=\"/a.ts\"}") == 1000);
    CHECK(at("restreamer_packets_sent_total{stream=\"/a.ts\"}") == 900);
    CHECK(at("restreamer_packets_dropped_total{stream=\"/a.ts\"}") == 7);
    CHECK(at("restreamer_bytes_received_total{stream=\"/a.ts\"}") == 1000 * 188);
    CHECK(at("restreamer_bytes_sent_total{stream=\"/a.ts\"}") == 900 * 188);
    CHECK(at("restreamer_bytes_dropped_total{stream=\"/a.ts\"}") == 7 * 188);
    CHECK(at("restreamer_viewer_duration_seconds_total{stream=\"/a.ts\"}") == Approx(1.5));
    CHECK(at("restreamer_source_connected{stream=\"/a.ts\"}") == 1);
    CHECK(at("restreamer_source_connected{stream=\"/b.ts\"}") == 0);
    CHECK(at("restreamer_input_cc_errors_total{stream=\"/a.ts\"}") == 3);
    CHECK(at("restreamer_hls_requests_total{stream=\"/a.ts\"}") == 14);
    CHECK(at("restreamer_hls_bytes_sent_total{stream=\"/a.ts\"}") == 15);
    CHECK(at("restreamer_upstream_connects_total{stream=\"/a.ts\"}") == 9);
    CHECK(at("restreamer_upstream_failures_total{stream=\"/a.ts\"}") == 10);
    CHECK(at("restreamer_input_sync_losses_total{stream=\"/a.ts\"}") == 2);
    CHECK(at("restreamer_input_skipped_bytes_total{stream=\"/a.ts\"}") == 100);
    CHECK(at("restreamer_input_bad_sections_total{stream=\"/a.ts\"}") == 4);
    CHECK(at("restreamer_gop_cache_overflows_total{stream=\"/a.ts\"}") == 5);
    CHECK(at("restreamer_upstream_splices_total{stream=\"/a.ts\"}") == 6);
    CHECK(at("restreamer_splice_dropped_packets_total{stream=\"/a.ts\"}") == 8);
    CHECK(at("restreamer_input_bitrate{stream=\"/a.ts\"}") == 0);  // first sample
    CHECK(at("restreamer_packets_received_total{stream=\"/b.ts\"}") == 20);
    CHECK(at("restreamer_connections") == 4);
    CHECK(at("restreamer_max_connections") == 100);
    CHECK(at("restreamer_full_connections") == 90);
    CHECK(at("restreamer_accept_failures_total") == 0);
    CHECK(at("restreamer_access_log_write_failures_total") == 12);
    CHECK(at("restreamer_stream_idle{stream=\"/a.ts\"}") == 0);
    CHECK(at("restreamer_stream_idle{stream=\"/b.ts\"}") == 1);
    CHECK(at("restreamer_stream_failed{stream=\"/a.ts\"}") == 0);
    CHECK(at("restreamer_stream_starts_total{stream=\"/a.ts\"}") == 11);
    CHECK(at("restreamer_stream_start_failures_total{stream=\"/a.ts\"}") == 13);
    CHECK(at("restreamer_tr101290_errors_total{stream=\"/a.ts\",indicator=\"cc_error\"}") == 3);
    CHECK(at("restreamer_tr101290_errors_total{stream=\"/b.ts\",indicator=\"sync_loss\"}") == 0);
    CHECK(at("restreamer_tr101290_active{stream=\"/a.ts\",indicator=\"pid_error\"}") == 1);
    CHECK(at("restreamer_tr101290_active{stream=\"/a.ts\",indicator=\"pat_error\"}") == 0);
    CHECK(at("restreamer_pid_bitrate{stream=\"/a.ts\",pid=\"31\"}") == 31000);
    CHECK(samples.count("restreamer_pid_bitrate{stream=\"/a.ts\",pid=\"32\"}") == 0);  // kMaxPidSeries
    CHECK(at("restreamer_pid_cc_errors_total{stream=\"/a.ts\",pid=\"1\"}") == 3);
    CHECK(at("restreamer_input_null_ratio{stream=\"/a.ts\"}") == Approx(0.25));
    CHECK(at("restreamer_upstream_failovers_total{stream=\"/a.ts\"}") == 14);
    CHECK(at("restreamer_upstream_failbacks_total{stream=\"/a.ts\"}") == 15);
    CHECK(at("restreamer_program_dropped_packets_total{stream=\"/a.ts\"}") == 14);
    CHECK(at("restreamer_program_dropped_pids{stream=\"/a.ts\"}") == 3);
    // 29 families by stream, 5 global; 8 indicators twice by stream; a null ratio each; 32 PIDs twice.
    CHECK(samples.size() == 29 * 2 + 5 + 8 * 2 * 2 + 2 + 32 * 2);
}

TEST_CASE("prometheus: without streams only the global metrics remain", "[api]") {
    auto samples = prometheus_samples(StatisticsApi().prometheus({}, {}).body);
    CHECK(samples.size() == 5);
    CHECK(samples.at("restreamer_connections") == 0);
    CHECK(samples.at("restreamer_access_log_write_failures_total") == 0);
}

TEST_CASE("prometheus: promtool check metrics accepts the exposition", "[api]") {
    StatisticsApi api;
    StreamStats odd = stream_stats(1, 5, 188, 0);
    StreamStatsList streams = {{"/a.ts", stream_stats(2, 100, 1880, 1)}, {"/odd \"name\"\\.ts", odd}};
    std::string text = api.prometheus(streams, {10, 5}).body;

    char path[] = "/tmp/api_test_metrics_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << text;
    CommandResult result = run_command(std::string("promtool check metrics < ") + path);
    std::remove(path);
    INFO(text);
    INFO(result.output);
    CHECK(result.exit_code == 0);
}

TEST_CASE("health: draining wins over ok and full; the keys stay the same", "[api]") {
    GlobalStatistics global;
    global.connections = 90;
    global.limits = {100, 80};
    global.server.draining = true;
    auto json = parse_json(health_reply(global));
    CHECK(string_member(json, "status") == "draining");
    CHECK(json.MemberCount() == 5);
    CHECK(uint_member(json, "viewer") == 90);
}
