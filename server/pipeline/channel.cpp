// channel.cpp - settings from the config, and the stream's figures for the API.
#include "server/pipeline/channel.h"

#include <algorithm>

using namespace std::chrono;

namespace {
// Keep a viewer's queue at least this large whatever `outputbuffer` says: encoders send a whole
// picture at once, and a queue sized in packets overflows on a single keyframe. 4 MiB is 4 s at
// 8 Mbit/s, held as references to shared chunks: room for a cached GOP (up to half of it) and for
// the live edge while that burst is written.
constexpr std::size_t kMinQueueBytes = 4 << 20;
}  // namespace

ChannelSettings ChannelSettings::from_config(const Resource& resource, const Config& config) {
    ChannelSettings s;
    UpstreamSettings& up = s.upstream;
    up.path = resource.serve;
    up.remotes = resource.remotes;
    up.tls_verify = resource.tls_verify;
    up.reconnect_delay = seconds(config.reconnect_s);
    up.connect_timeout = seconds(config.timeout_s);
    up.read_timeout = seconds(config.readtimeout_s);
    if (config.timeout_s > 0) up.outage_grace = seconds(config.timeout_s);
    up.read_size = std::max<std::size_t>(config.inputbuffer, 16) * ts::kPacketSize;

    StreamSettings& out = s.stream;
    out.path = resource.serve;
    out.fast_start = resource.fast_start;
    out.viewer_limits.max_lag = seconds(config.maxlag_s);
    out.viewer_limits.queue_bytes = std::max<std::size_t>(std::size_t(config.outputbuffer) * ts::kPacketSize, kMinQueueBytes);
    return s;
}

Channel::Channel(ChannelSettings settings)
    : stream_(std::make_shared<Stream>(std::move(settings.stream))), loop_(std::move(settings.upstream), *stream_) {}

Channel::~Channel() { stop(); }

void Channel::stop() {
    loop_.stop();
    stream_->disconnect_viewers("server shutting down");
}

StreamStats Channel::stats() const {
    StreamStats s;
    const UpstreamState up = loop_.state();
    const OutputStats out = stream_->stats();
    s.connected = up.connected;
    s.offline = stream_->is_offline();
    s.gave_up = up.gave_up;
    s.upstream = up.remote;
    s.last_error = up.last_error;
    s.upstream_connects = up.connects;
    s.upstream_failures = up.failures;
    s.clients = out.viewers.viewers;
    s.packets_received = up.packets_received;
    s.bytes_received = up.bytes_received;
    s.packets_dropped = out.viewers.packets_dropped;
    s.bytes_sent = out.viewers.bytes_sent;
    s.viewer_time = out.viewers.viewer_time;
    s.cc_errors = out.packetizer.cc_errors;
    s.bytes_skipped = up.bytes_skipped;
    s.sync_losses = up.sync_losses;
    s.bad_sections = out.packetizer.bad_sections;
    s.gop_overflows = out.gop_overflows;
    s.splices = out.packetizer.splices;
    s.splice_dropped_packets = out.packetizer.splice_dropped;
    s.video_codec = out.video_codec;
    s.video_pid = out.video_pid;
    return s;
}
