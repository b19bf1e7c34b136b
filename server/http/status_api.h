// status_api.h - the streams API (each stream's state, rates and viewers as JSON) and the status
// page that shows it. streams_reply and status_page_reply are pure; collect_stream_status reads the
// streams through their thread-safe accessors, from any HTTP thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/http/api.h"
#include "server/http/http_reply.h"
#include "server/pipeline/channel.h"

// More rows would make the page and the copy under the stream's viewer lock grow with the audience.
constexpr std::size_t kMaxViewerRows = 200;

// One stream as the streams API shows it.
struct StreamStatus {
    std::string path;
    std::string state;  // to_string(StreamState)
    std::string upstream;
    std::string last_error;
    uint64_t viewers = 0;
    uint64_t input_bits_per_second = 0;
    uint64_t output_bytes_per_second = 0;
    uint64_t packets_dropped = 0;
    uint64_t cc_errors = 0;
    uint64_t failovers = 0, failbacks = 0;  // content-aware switches between remotes
    Tr101290Counts tr101290;
    std::vector<Tr101290PidRate> pid_rates;
    uint32_t null_ppm = 0;
    // Any number: the reply lists kMaxViewerRows and says whether there were more.
    std::vector<ViewerInfo> viewer_rows;
};

// A JSON array of the streams, in the given order.
HttpReply streams_reply(const std::vector<StreamStatus>& streams);

// Each channel's status; the rates come from `statistics`' meters, so that they agree with the
// statistics and prometheus APIs.
std::vector<StreamStatus> collect_stream_status(const std::vector<std::shared_ptr<Channel>>& channels,
                                                StatisticsApi& statistics, const ConnectionLimits& limits,
                                                const ServerCounters& server);

// The self-contained HTML page that polls `streams_url` (relative to the page, or absolute).
HttpReply status_page_reply(const std::string& streams_url);
