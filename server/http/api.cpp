// api.cpp - JSON replies through RapidJSON's Writer, Prometheus text through prometheus-cpp's
// TextSerializer over families built at scrape time from the streams' own counters.
#include "server/http/api.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/ts/ts_packet.h"
#include "server/http/api_tr101290.h"
#include "server/http/json_reply.h"

namespace {

uint64_t per_second(uint64_t now, uint64_t before, double seconds) {
    if (now < before) return 0;
    return static_cast<uint64_t>(static_cast<double>(now - before) / seconds + 0.5);
}

struct StreamMetric {
    const char* name;
    const char* help;
    prometheus::MetricType type;
    double (*value)(const StreamStats& stats, uint64_t input_bits_per_second);
};

using prometheus::MetricType;

const StreamMetric kStreamMetrics[] = {
    {"restreamer_stream_connections", "Viewers connected to the stream.", MetricType::Gauge,
     [](const StreamStats& s, uint64_t) { return double(s.clients); }},
    {"restreamer_packets_received_total", "TS packets received from the upstream.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).packets_received); }},
    {"restreamer_packets_sent_total", "TS packets sent to viewers.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).packets_sent); }},
    {"restreamer_packets_dropped_total", "TS packets dropped for viewers that read too slowly.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).packets_dropped); }},
    {"restreamer_bytes_received_total", "Bytes received from the upstream.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).bytes_received); }},
    {"restreamer_bytes_sent_total", "Bytes sent to viewers.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).bytes_sent); }},
    {"restreamer_bytes_dropped_total", "Bytes dropped for viewers that read too slowly.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(TrafficCounters::of(s).bytes_dropped); }},
    {"restreamer_viewer_duration_seconds_total", "Summed duration of viewer sessions, current ones so far.",
     MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return std::chrono::duration<double>(s.viewer_time).count(); }},
    {"restreamer_source_connected", "1 while the stream's upstream is connected, else 0.", MetricType::Gauge,
     [](const StreamStats& s, uint64_t) { return s.connected ? 1.0 : 0.0; }},
    // Idle and failed apart: an on-demand stream nobody watches has no upstream by design.
    {"restreamer_stream_idle", "1 while an on-demand stream is idle (nobody watches, no upstream), else 0.",
     MetricType::Gauge, [](const StreamStats& s, uint64_t) { return s.state == StreamState::idle ? 1.0 : 0.0; }},
    {"restreamer_stream_failed",
     "1 while the stream's upstream failed (or its last on-demand start did), else 0.", MetricType::Gauge,
     [](const StreamStats& s, uint64_t) { return s.state == StreamState::failed ? 1.0 : 0.0; }},
    {"restreamer_stream_starts_total", "On-demand starts of the stream's upstream by a first viewer.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.starts); }},
    {"restreamer_stream_start_failures_total", "On-demand starts that failed and answered their viewers 503.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.start_failures); }},
    {"restreamer_hls_requests_total", "HLS playlists and segments answered.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(s.hls_requests); }},
    {"restreamer_hls_bytes_sent_total", "HLS segment bytes sent.", MetricType::Counter,
     [](const StreamStats& s, uint64_t) { return double(s.hls_bytes_sent); }},
    {"restreamer_input_cc_errors_total", "Continuity counter gaps in the upstream's packets.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.cc_errors); }},
    {"restreamer_upstream_connects_total", "Connections to the stream's upstreams opened.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.upstream_connects); }},
    {"restreamer_upstream_failures_total", "Upstream connections that could not be opened or ended.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.upstream_failures); }},
    {"restreamer_upstream_failovers_total", "Switches away from a remote whose content broke the stream's failover rules.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.upstream_failovers); }},
    {"restreamer_upstream_failbacks_total", "Switches back to a stream's first remote once it was healthy again.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.upstream_failbacks); }},
    {"restreamer_input_sync_losses_total", "Times the packet boundaries of the upstream's bytes were lost.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.sync_losses); }},
    {"restreamer_input_skipped_bytes_total", "Bytes of the upstream that were not part of a TS packet.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.bytes_skipped); }},
    {"restreamer_input_bad_sections_total", "PAT/PMT sections dropped for a bad CRC or content.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.bad_sections); }},
    {"restreamer_gop_cache_overflows_total", "GOPs too long or too large to cache for fast start.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.gop_overflows); }},
    {"restreamer_upstream_splices_total", "Joins of a new upstream connection onto a playing stream.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.splices); }},
    {"restreamer_splice_dropped_packets_total", "Packets dropped to join a new upstream cleanly.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.splice_dropped_packets); }},
    {"restreamer_program_dropped_packets_total",
     "Upstream packets a program output left out: other programs, stripped streams, other PIDs.",
     MetricType::Counter, [](const StreamStats& s, uint64_t) { return double(s.filter_dropped_packets); }},
    {"restreamer_program_dropped_pids", "Distinct upstream PIDs a program output left out.",
     MetricType::Gauge, [](const StreamStats& s, uint64_t) { return double(s.filter_dropped_pids); }},
    // Not *_bits_per_second: promtool's lint asks for bytes there, but a bitrate is what operators compare
    // with the encoder's setting.
    {"restreamer_input_bitrate", "Bits per second received from the upstream, over the last second.",
     MetricType::Gauge, [](const StreamStats&, uint64_t bps) { return double(bps); }},
};

void set_value(prometheus::ClientMetric& metric, MetricType type, double value) {
    if (type == MetricType::Counter)
        metric.counter.value = value;
    else
        metric.gauge.value = value;
}

prometheus::MetricFamily global_metric(const char* name, const char* help, MetricType type, double value) {
    prometheus::MetricFamily family{name, help, type, {}};
    family.metric.emplace_back();
    set_value(family.metric.back(), type, value);
    return family;
}

// {"connected": N, "idle": N, ...}: how many streams are in each state.
void put_stream_states(JsonWriter& writer, const GlobalStatistics& global) {
    writer.Key("streams");
    writer.StartObject();
    for (std::size_t i = 0; i < kStreamStateCount; ++i) put(writer, to_string(static_cast<StreamState>(i)), global.streams_by_state[i]);
    writer.EndObject();
}

}  // namespace

TrafficCounters TrafficCounters::of(const StreamStats& stats) {
    TrafficCounters counters;
    counters.packets_received = stats.packets_received;
    counters.packets_sent = stats.bytes_sent / ts::kPacketSize;
    counters.packets_dropped = stats.packets_dropped;
    counters.bytes_received = stats.bytes_received;
    counters.bytes_sent = stats.bytes_sent;
    counters.bytes_dropped = stats.packets_dropped * ts::kPacketSize;
    return counters;
}

TrafficCounters& TrafficCounters::operator+=(const TrafficCounters& other) {
    packets_received += other.packets_received;
    packets_sent += other.packets_sent;
    packets_dropped += other.packets_dropped;
    bytes_received += other.bytes_received;
    bytes_sent += other.bytes_sent;
    bytes_dropped += other.bytes_dropped;
    return *this;
}

TrafficCounters RateMeter::update(const TrafficCounters& totals, Clock::time_point now) {
    if (!has_sample_) {
        has_sample_ = true;
        last_totals_ = totals;
        last_time_ = now;
        return rates_;
    }
    auto elapsed = now - last_time_;
    // Short intervals would make the rates jitter with every burst of scrapes.
    if (elapsed < min_interval_ || elapsed <= Clock::duration::zero()) return rates_;
    double seconds = std::chrono::duration<double>(elapsed).count();
    const TrafficCounters& before = last_totals_;
    rates_.packets_received = per_second(totals.packets_received, before.packets_received, seconds);
    rates_.packets_sent = per_second(totals.packets_sent, before.packets_sent, seconds);
    rates_.packets_dropped = per_second(totals.packets_dropped, before.packets_dropped, seconds);
    rates_.bytes_received = per_second(totals.bytes_received, before.bytes_received, seconds);
    rates_.bytes_sent = per_second(totals.bytes_sent, before.bytes_sent, seconds);
    rates_.bytes_dropped = per_second(totals.bytes_dropped, before.bytes_dropped, seconds);
    last_totals_ = totals;
    last_time_ = now;
    return rates_;
}

const char* health_status(uint64_t connections, const ConnectionLimits& limits) {
    bool at_max = limits.max != 0 && connections >= limits.max;
    bool at_full = limits.full != 0 && connections >= limits.full;
    return at_max || at_full ? "full" : "ok";
}

const char* load_status(uint64_t connections, const ConnectionLimits& limits) {
    if (limits.max != 0 && connections >= limits.max) return "overload";
    if (limits.full != 0 && connections >= limits.full) return "full";
    return "ok";
}

HttpReply health_reply(const GlobalStatistics& global) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writer.Key("status");
    // A balancer that sends new viewers here while accept() lacks descriptors, or while the server
    // drains, gets them refused: both take it out of rotation for new viewers, as "full" does.
    if (global.server.draining)
        writer.String("draining");
    else
        writer.String(global.server.descriptors_exhausted ? "full" : health_status(global.connections, global.limits));
    if (global.server.descriptors_exhausted) {
        writer.Key("reason");
        writer.String("out of file descriptors");
    }
    put(writer, "viewer", global.connections);
    put(writer, "limit", global.limits.full);
    put(writer, "max", global.limits.max);
    put(writer, "bandwidth", global.per_second.bytes_sent * 8 / 1024);
    writer.EndObject();
    return json_reply(buffer);
}

HttpReply statistics_reply(const GlobalStatistics& global) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    const TrafficCounters& total = global.totals;
    const TrafficCounters& rate = global.per_second;
    writer.StartObject();
    writer.Key("status");
    writer.String(load_status(global.connections, global.limits));
    put(writer, "connections", global.connections);
    put(writer, "max_connections", global.limits.max);
    put(writer, "full_connections", global.limits.full);
    put(writer, "accept_failures", global.server.accept_failures);
    put(writer, "total_packets_received", total.packets_received);
    put(writer, "total_packets_sent", total.packets_sent);
    put(writer, "total_packets_dropped", total.packets_dropped);
    put(writer, "total_bytes_received", total.bytes_received);
    put(writer, "total_bytes_sent", total.bytes_sent);
    put(writer, "total_bytes_dropped", total.bytes_dropped);
    writer.Key("total_stream_time_ns");
    writer.Int64(global.stream_time.count());
    put(writer, "packets_per_second_received", rate.packets_received);
    put(writer, "packets_per_second_sent", rate.packets_sent);
    put(writer, "packets_per_second_dropped", rate.packets_dropped);
    put(writer, "bytes_per_second_received", rate.bytes_received);
    put(writer, "bytes_per_second_sent", rate.bytes_sent);
    put(writer, "bytes_per_second_dropped", rate.bytes_dropped);
    put(writer, "access_log_write_failures", global.server.access_log_write_failures);
    put(writer, "total_hls_requests", global.hls_requests);
    put(writer, "total_hls_bytes_sent", global.hls_bytes_sent);
    put_stream_states(writer, global);
    put_tr101290_totals(writer, global);
    writer.EndObject();
    return json_reply(buffer);
}

HttpReply prometheus_reply(const StreamStatsList& streams, const GlobalStatistics& global,
                           const std::map<std::string, uint64_t>& input_bits_per_second) {
    std::vector<prometheus::MetricFamily> families;
    if (!streams.empty()) {
        for (const StreamMetric& spec : kStreamMetrics) {
            prometheus::MetricFamily family{spec.name, spec.help, spec.type, {}};
            for (const auto& [path, stats] : streams) {
                auto bps = input_bits_per_second.find(path);
                prometheus::ClientMetric metric;
                metric.label.push_back({"stream", path});
                set_value(metric, spec.type, spec.value(stats, bps == input_bits_per_second.end() ? 0 : bps->second));
                family.metric.push_back(std::move(metric));
            }
            families.push_back(std::move(family));
        }
    }
    append_tr101290_families(streams, families);
    families.push_back(global_metric("restreamer_connections", "Viewers connected over all streams.",
                                     MetricType::Gauge, double(global.connections)));
    families.push_back(global_metric("restreamer_max_connections",
                                     "Viewers allowed over all streams (maxconnections); 0 = no limit.",
                                     MetricType::Gauge, double(global.limits.max)));
    families.push_back(global_metric("restreamer_full_connections",
                                     "Viewers at which health reports full (fullconnections); 0 = none.",
                                     MetricType::Gauge, double(global.limits.full)));
    families.push_back(global_metric("restreamer_accept_failures_total",
                                     "accept() calls that failed (out of descriptors or memory).",
                                     MetricType::Counter, double(global.server.accept_failures)));
    families.push_back(global_metric("restreamer_access_log_write_failures_total",
                                     "Access log lines lost because the file could not be written.",
                                     MetricType::Counter, double(global.server.access_log_write_failures)));

    HttpReply reply;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = prometheus::TextSerializer().Serialize(families);
    return reply;
}

HttpReply check_reply(bool good) {
    return good ? HttpReply::text(200, "200 ok") : HttpReply::text(404, "404 not found");
}

HttpReply control_reply(const HttpRequestInfo& request, const std::function<void(bool offline)>& set_offline) {
    // Both present means offline, as in restreamer: the safe reading of a contradictory request.
    if (request.query.count("offline") != 0) {
        set_offline(true);
        return HttpReply::text(202, "202 accepted");
    }
    if (request.query.count("online") != 0) {
        set_offline(false);
        return HttpReply::text(202, "202 accepted");
    }
    return HttpReply::text(400, "400 bad request");
}

StatisticsApi::StatisticsApi(ClockFunction clock, Clock::duration min_interval)
    : clock_(std::move(clock)), min_interval_(min_interval) {}

GlobalStatistics StatisticsApi::sample(const StreamStatsList& streams, const ConnectionLimits& limits,
                                       const ServerCounters& server,
                                       std::map<std::string, TrafficCounters>* stream_rates) {
    GlobalStatistics global;
    global.limits = limits;
    global.server = server;
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = clock_();
    std::map<std::string, RateMeter> kept;
    for (const auto& [path, stats] : streams) {
        TrafficCounters totals = TrafficCounters::of(stats);
        global.connections += stats.clients;
        global.stream_time += stats.viewer_time;
        global.hls_requests += stats.hls_requests;
        global.hls_bytes_sent += stats.hls_bytes_sent;
        ++global.streams_by_state[static_cast<std::size_t>(stats.state)];
        for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) {
            global.tr101290_errors[i] += stats.tr101290.errors[i];
            global.tr101290_streams_active[i] += stats.tr101290.active[i];
        }
        global.totals += totals;

        auto found = meters_.find(path);
        RateMeter meter = found != meters_.end() ? found->second : RateMeter(min_interval_);
        TrafficCounters rates = meter.update(totals, now);
        global.per_second += rates;
        if (stream_rates) (*stream_rates)[path] = rates;
        kept.emplace(path, meter);
    }
    meters_ = std::move(kept);
    return global;
}

HttpReply StatisticsApi::health(const StreamStatsList& streams, const ConnectionLimits& limits,
                                const ServerCounters& server) {
    return health_reply(sample(streams, limits, server));
}

HttpReply StatisticsApi::statistics(const StreamStatsList& streams, const ConnectionLimits& limits,
                                    const ServerCounters& server) {
    return statistics_reply(sample(streams, limits, server));
}

HttpReply StatisticsApi::prometheus(const StreamStatsList& streams, const ConnectionLimits& limits,
                                    const ServerCounters& server) {
    std::map<std::string, TrafficCounters> rates;
    GlobalStatistics global = sample(streams, limits, server, &rates);
    std::map<std::string, uint64_t> input_bits_per_second;
    for (const auto& [path, rate] : rates) input_bits_per_second[path] = rate.bytes_received * 8;
    return prometheus_reply(streams, global, input_bits_per_second);
}
