// api_tr101290.h - the TR 101 290 indicators, bitrate per PID and null share of each stream in the
// API: JSON for the streams and statistics resources, metric families for prometheus. Pure.
#pragma once

#include <prometheus/metric_family.h>

#include <array>
#include <vector>

#include "server/http/api.h"
#include "server/http/json_reply.h"

// Series of the per-PID metrics per stream: a stream with more PIDs reports these (lowest PIDs first).
constexpr std::size_t kMaxPidSeries = 32;

// {"sync_loss": {"errors": N, "active": false}, ...}, under `key`.
void put_tr101290(JsonWriter& writer, const char* key, const Tr101290Counts& counts);
// "null_share" (0 to 1) and "pids": [{"pid", "bits_per_second", "packets", "cc_errors"}, ...].
void put_pid_rates(JsonWriter& writer, const std::vector<Tr101290PidRate>& rates, uint32_t null_ppm);
// statistics: each indicator's errors over all streams, and how many streams it fires on now.
void put_tr101290_totals(JsonWriter& writer, const GlobalStatistics& global);

// restreamer_tr101290_errors_total and restreamer_tr101290_active {stream, indicator};
// restreamer_pid_bitrate and restreamer_pid_cc_errors_total {stream, pid}; restreamer_input_null_ratio.
void append_tr101290_families(const StreamStatsList& streams, std::vector<prometheus::MetricFamily>& families);
