// api_tr101290.cpp - the indicators' JSON and metric families; labels stay bounded (8 indicators,
// at most kMaxPidSeries PIDs a stream).
#include "server/http/api_tr101290.h"

#include <algorithm>
#include <string>

namespace {

using prometheus::MetricType;

Tr101290Indicator indicator_at(std::size_t i) { return static_cast<Tr101290Indicator>(i); }

prometheus::ClientMetric labelled(const std::string& stream, const char* key, const std::string& value) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"stream", stream});
    metric.label.push_back({key, value});
    return metric;
}

// The first kMaxPidSeries PIDs (pid_rates() is sorted by PID).
std::size_t pid_series(const StreamStats& stats) { return std::min(stats.pid_rates.size(), kMaxPidSeries); }

}  // namespace

void put_tr101290(JsonWriter& writer, const char* key, const Tr101290Counts& counts) {
    writer.Key(key);
    writer.StartObject();
    for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) {
        writer.Key(to_string(indicator_at(i)));
        writer.StartObject();
        put(writer, "errors", counts.errors[i]);
        writer.Key("active");
        writer.Bool(counts.active[i]);
        writer.EndObject();
    }
    writer.EndObject();
}

void put_pid_rates(JsonWriter& writer, const std::vector<Tr101290PidRate>& rates, uint32_t null_ppm) {
    writer.Key("null_share");
    writer.Double(null_ppm / 1e6);
    writer.Key("pids");
    writer.StartArray();
    for (const Tr101290PidRate& rate : rates) {
        writer.StartObject();
        put(writer, "pid", rate.pid);
        put(writer, "bits_per_second", rate.bits_per_second);
        put(writer, "packets", rate.packets);
        put(writer, "cc_errors", rate.cc_errors);
        writer.EndObject();
    }
    writer.EndArray();
}

void put_tr101290_totals(JsonWriter& writer, const GlobalStatistics& global) {
    for (const auto& [key, values] : {std::pair{"tr101290_errors", &global.tr101290_errors},
                                      std::pair{"tr101290_streams_active", &global.tr101290_streams_active}}) {
        writer.Key(key);
        writer.StartObject();
        for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) put(writer, to_string(indicator_at(i)), (*values)[i]);
        writer.EndObject();
    }
}

void append_tr101290_families(const StreamStatsList& streams, std::vector<prometheus::MetricFamily>& families) {
    if (streams.empty()) return;
    prometheus::MetricFamily errors{"restreamer_tr101290_errors_total",
                                    "TR 101 290 errors counted in the upstream's transport stream, by indicator.",
                                    MetricType::Counter, {}};
    prometheus::MetricFamily active{"restreamer_tr101290_active", "1 while the TR 101 290 indicator fires, else 0.",
                                    MetricType::Gauge, {}};
    prometheus::MetricFamily bitrate{"restreamer_pid_bitrate", "Bits per second of one PID of the upstream, over the last second.",
                                     MetricType::Gauge, {}};
    prometheus::MetricFamily pid_cc{"restreamer_pid_cc_errors_total", "Continuity counter gaps of one PID of the upstream.",
                                    MetricType::Counter, {}};
    prometheus::MetricFamily nulls{"restreamer_input_null_ratio", "Share of null packets in the upstream, over the last second.",
                                   MetricType::Gauge, {}};
    for (const auto& [path, stats] : streams) {
        for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) {
            errors.metric.push_back(labelled(path, "indicator", to_string(indicator_at(i))));
            errors.metric.back().counter.value = double(stats.tr101290.errors[i]);
            active.metric.push_back(labelled(path, "indicator", to_string(indicator_at(i))));
            active.metric.back().gauge.value = stats.tr101290.active[i] ? 1.0 : 0.0;
        }
        for (std::size_t i = 0; i < pid_series(stats); ++i) {
            const Tr101290PidRate& rate = stats.pid_rates[i];
            const std::string pid = rate.pid == Tr101290Monitor::kOtherPids ? "other" : std::to_string(rate.pid);
            bitrate.metric.push_back(labelled(path, "pid", pid));
            bitrate.metric.back().gauge.value = double(rate.bits_per_second);
            pid_cc.metric.push_back(labelled(path, "pid", pid));
            pid_cc.metric.back().counter.value = double(rate.cc_errors);
        }
        nulls.metric.emplace_back();
        nulls.metric.back().label.push_back({"stream", path});
        nulls.metric.back().gauge.value = stats.null_ppm / 1e6;
    }
    for (auto* family : {&errors, &active, &bitrate, &pid_cc, &nulls}) families.push_back(std::move(*family));
}
