// api.h - the replies of restreamer's API resources (health, statistics, check, control, prometheus),
// built from stream counters the caller collects; no HTTP library here. StatisticsApi is called from
// many HTTP threads at once; the free functions are pure.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/http/http_reply.h"
#include "server/pipeline/channel.h"

// What Site::stream_stats() returns: each served path with its counters.
using StreamStatsList = std::vector<std::pair<std::string, StreamStats>>;

struct ConnectionLimits {
    unsigned max = 0;   // maxconnections: hard limit; 0 = none
    unsigned full = 0;  // fullconnections: soft limit; 0 = none

    static ConnectionLimits from_config(const Config& config) { return {config.maxconnections, config.fullconnections}; }
};

// Cumulative traffic, or (as RateMeter's result) the same quantities per second.
struct TrafficCounters {
    uint64_t packets_received = 0;
    uint64_t packets_sent = 0;
    uint64_t packets_dropped = 0;
    uint64_t bytes_received = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_dropped = 0;

    // Streams count bytes sent and packets dropped; the other two follow from whole 188-byte packets.
    static TrafficCounters of(const StreamStats& stats);
    TrafficCounters& operator+=(const TrafficCounters& other);
};

// Per-second rates of one series of cumulative counters. Not thread-safe: StatisticsApi locks it.
class RateMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit RateMeter(Clock::duration min_interval = std::chrono::seconds(1)) : min_interval_(min_interval) {}

    // Rates over the time since the last sample once min_interval has passed; before that, the rates
    // computed last (zero until two samples exist). A counter that went down (a stream restarted by a
    // reload) counts as no traffic for that interval.
    TrafficCounters update(const TrafficCounters& totals, Clock::time_point now);

private:
    Clock::duration min_interval_;
    bool has_sample_ = false;
    TrafficCounters last_totals_;
    Clock::time_point last_time_{};
    TrafficCounters rates_;
};

// What the HTTP server itself reports, beside the streams.
struct ServerCounters {
    uint64_t accept_failures = 0;            // accept() calls that failed, for any reason
    bool descriptors_exhausted = false;      // accept() lacked descriptors within the last seconds
    uint64_t access_log_write_failures = 0;  // access-log lines lost to failed writes
    bool draining = false;                   // a drain refuses new viewers (server/http/drain.h)
};

// Everything health and statistics report, at one instant.
struct GlobalStatistics {
    uint64_t connections = 0;  // viewers over all streams
    ConnectionLimits limits;
    ServerCounters server;
    TrafficCounters totals;
    TrafficCounters per_second;
    std::chrono::nanoseconds stream_time{0};  // summed viewer time
    uint64_t hls_requests = 0;    // HLS playlists and segments answered, over all streams
    uint64_t hls_bytes_sent = 0;  // HLS segment bytes sent, over all streams
    // Streams by state, indexed by StreamState: an idle on-demand stream is not a failed one.
    std::array<uint64_t, kStreamStateCount> streams_by_state{};
    // TR 101 290: each indicator's errors over all streams, and the streams it fires on now.
    std::array<uint64_t, kTr101290IndicatorCount> tr101290_errors{};
    std::array<uint64_t, kTr101290IndicatorCount> tr101290_streams_active{};
};

// "ok", or "full" once either limit is reached (restreamer's health resource); health_reply also says
// "full" while the server is out of descriptors, and "draining" (which wins) during a drain.
const char* health_status(uint64_t connections, const ConnectionLimits& limits);
// "overload" at the hard limit, "full" at the soft one, else "ok" (restreamer's statistics resource).
const char* load_status(uint64_t connections, const ConnectionLimits& limits);

HttpReply health_reply(const GlobalStatistics& global);
HttpReply statistics_reply(const GlobalStatistics& global);
// `input_bits_per_second` by stream path; a path missing from it reports 0.
HttpReply prometheus_reply(const StreamStatsList& streams, const GlobalStatistics& global,
                           const std::map<std::string, uint64_t>& input_bits_per_second);

// 200 "200 ok" while the stream is good (Channel::answers_check), else 404 "404 not found".
HttpReply check_reply(bool good);
// `?offline` calls set_offline(true), else `?online` calls set_offline(false), both 202; else 400
// and set_offline is not called.
HttpReply control_reply(const HttpRequestInfo& request, const std::function<void(bool offline)>& set_offline);

// Keeps one rate meter per stream path between scrapes, so that health, statistics and prometheus
// report the same rates. The global rates are the sum of the streams' rates: summing totals instead
// would read a stream removed by a reload as negative traffic. One instance for the server's
// lifetime (it outlives reloads); safe from any thread.
class StatisticsApi {
public:
    using Clock = RateMeter::Clock;
    using ClockFunction = std::function<Clock::time_point()>;

    explicit StatisticsApi(ClockFunction clock = Clock::now,
                           Clock::duration min_interval = std::chrono::seconds(1));

    HttpReply health(const StreamStatsList& streams, const ConnectionLimits& limits, const ServerCounters& server = {});
    HttpReply statistics(const StreamStatsList& streams, const ConnectionLimits& limits, const ServerCounters& server = {});
    HttpReply prometheus(const StreamStatsList& streams, const ConnectionLimits& limits, const ServerCounters& server = {});

    // Sums the streams and updates the meters; `stream_rates` (optional) gets each stream's rates by path.
    GlobalStatistics sample(const StreamStatsList& streams, const ConnectionLimits& limits, const ServerCounters& server,
                            std::map<std::string, TrafficCounters>* stream_rates = nullptr);

private:
    const ClockFunction clock_;
    const Clock::duration min_interval_;
    std::mutex mutex_;
    std::map<std::string, RateMeter> meters_;  // guarded by mutex_; the paths of the last sample only
};
