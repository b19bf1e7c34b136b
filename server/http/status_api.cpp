// status_api.cpp - the streams API's JSON through RapidJSON's Writer, which escapes every string.
#include "server/http/status_api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include "common/utc_time.h"
#include "server/http/api_tr101290.h"
#include "server/http/json_reply.h"

namespace {

void write_viewer(JsonWriter& writer, const ViewerInfo& viewer) {
    writer.StartObject();
    put(writer, "address", viewer.address);
    put(writer, "user", viewer.user);
    put(writer, "since", iso8601_utc(viewer.since));
    put(writer, "bytes_sent", viewer.bytes_sent);
    put(writer, "packets_dropped", viewer.packets_dropped);
    writer.EndObject();
}

void write_stream(JsonWriter& writer, const StreamStatus& stream) {
    writer.StartObject();
    put(writer, "path", stream.path);
    put(writer, "state", stream.state);
    put(writer, "upstream", stream.upstream);
    put(writer, "last_error", stream.last_error);
    put(writer, "viewers", stream.viewers);
    put(writer, "input_bits_per_second", stream.input_bits_per_second);
    put(writer, "output_bytes_per_second", stream.output_bytes_per_second);
    put(writer, "packets_dropped", stream.packets_dropped);
    put(writer, "cc_errors", stream.cc_errors);
    put(writer, "failovers", stream.failovers);
    put(writer, "failbacks", stream.failbacks);
    put_tr101290(writer, "tr101290", stream.tr101290);
    put_pid_rates(writer, stream.pid_rates, stream.null_ppm);
    writer.Key("viewer_list");
    writer.StartArray();
    const std::size_t rows = std::min(stream.viewer_rows.size(), kMaxViewerRows);
    for (std::size_t i = 0; i < rows; ++i) write_viewer(writer, stream.viewer_rows[i]);
    writer.EndArray();
    writer.Key("viewers_truncated");
    writer.Bool(stream.viewer_rows.size() > kMaxViewerRows);
    writer.EndObject();
}

}  // namespace

HttpReply streams_reply(const std::vector<StreamStatus>& streams) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartArray();
    for (const StreamStatus& stream : streams) write_stream(writer, stream);
    writer.EndArray();
    HttpReply reply = json_reply(buffer);
    reply.headers.emplace_back("Cache-Control", "no-store");
    return reply;
}

std::vector<StreamStatus> collect_stream_status(const std::vector<std::shared_ptr<Channel>>& channels,
                                                StatisticsApi& statistics, const ConnectionLimits& limits,
                                                const ServerCounters& server) {
    StreamStatsList stats;
    for (const auto& channel : channels) stats.emplace_back(channel->path(), channel->stats());
    std::map<std::string, TrafficCounters> rates;
    statistics.sample(stats, limits, server, &rates);
    std::vector<StreamStatus> streams;
    for (std::size_t i = 0; i < channels.size(); ++i) {
        const auto& [path, s] = stats[i];
        StreamStatus status;
        status.path = path;
        status.state = to_string(s.state);
        status.upstream = s.upstream;
        status.last_error = s.last_error;
        status.viewers = s.clients;
        status.input_bits_per_second = rates[path].bytes_received * 8;
        status.output_bytes_per_second = rates[path].bytes_sent;
        status.packets_dropped = s.packets_dropped;
        status.cc_errors = s.cc_errors;
        status.failovers = s.upstream_failovers;
        status.failbacks = s.upstream_failbacks;
        status.tr101290 = s.tr101290;
        status.pid_rates = s.pid_rates;
        status.null_ppm = s.null_ppm;
        // One more than shown: it tells the reply that the list is truncated.
        status.viewer_rows = channels[i]->stream()->viewer_infos(kMaxViewerRows + 1);
        streams.push_back(std::move(status));
    }
    return streams;
}
