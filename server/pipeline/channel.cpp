// channel.cpp - settings from the config, on-demand start and linger, and the stream's figures for the API.
#include "server/pipeline/channel.h"

#include <algorithm>

#include "common/log.h"

using namespace std::chrono;

namespace {
// Keep a viewer's queue at least this large whatever `outputbuffer` says: encoders send a whole
// picture at once, and a queue sized in packets overflows on a single keyframe. 4 MiB is 4 s at
// 8 Mbit/s, held as references to shared chunks: room for a cached GOP (up to half of it) and for
// the live edge while that burst is written.
constexpr std::size_t kMinQueueBytes = 4 << 20;
// A prebuffer raises that floor by this much per second of it. A newcomer's head (every cached GOP,
// which the stream bounds to half the queue) spans the prebuffer plus the GOP under way; 1 MiB a
// second is 8 Mbit/s, doubled for that half. So prebuffer 3 s gives 10 MiB, whose half holds 3 s
// and a 2 s GOP at 8 Mbit/s (20 s of the 2 Mbit/s sample). Still references, not copies: a viewer
// that keeps up holds no more than before.
constexpr std::size_t kPrebufferQueueBytesPerSecond = 2 << 20;
// And the queue's slots (1024) by this many: the cache gathers small pictures into 64 KiB runs but
// keeps larger ones as they are, up to one a frame, so 60 frames a second and the PSI prefix fit.
constexpr std::size_t kPrebufferQueueChunksPerSecond = 64;
// How long a first viewer of an on-demand stream waits for its picture when `timeout` is 0 (none).
constexpr seconds kDefaultStartTimeout{10};

double seconds_between(steady_clock::time_point from, steady_clock::time_point to) {
    return duration_cast<milliseconds>(to - from).count() / 1000.0;
}
}  // namespace

const char* to_string(StreamState state) {
    switch (state) {
    case StreamState::idle: return "idle";
    case StreamState::starting: return "starting";
    case StreamState::connected: return "connected";
    case StreamState::failed: return "failed";
    case StreamState::offline: return "offline";
    }
    return "failed";
}

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
    const FailoverConfig& failover = resource.failover;
    up.content.cc_errors_per_s = failover.cc_errors_per_s;
    up.content.min_bitrate = failover.min_bitrate;
    up.content.require_video = failover.require_video;
    up.content.after = seconds(failover.after_s);
    up.listed_order = failover.listed_order;
    up.failback = seconds(failover.failback_s);

    StreamSettings& out = s.stream;
    out.path = resource.serve;
    out.fast_start = resource.fast_start;
    out.prebuffer = milliseconds(resource.prebuffer_ms);
    out.tr101290.pid_timeout = milliseconds(resource.pid_timeout_ms);
    out.viewer_limits.max_lag = seconds(config.maxlag_s);
    const std::size_t floor = kMinQueueBytes + resource.prebuffer_ms * kPrebufferQueueBytesPerSecond / 1000;
    out.viewer_limits.queue_bytes = std::max<std::size_t>(std::size_t(config.outputbuffer) * ts::kPacketSize, floor);
    out.viewer_limits.queue_chunks += resource.prebuffer_ms * kPrebufferQueueChunksPerSecond / 1000;

    s.demand.on_demand = resource.ondemand;
    s.demand.linger = seconds(resource.linger_s);
    s.demand.start_timeout = config.timeout_s > 0 ? seconds(config.timeout_s) : kDefaultStartTimeout;
    if (resource.hls) {
        s.hls = std::make_shared<HlsOutput>(HlsSettings{seconds(resource.hls->segment_s), resource.hls->window});
        out.tap = s.hls;
    }
    s.selection = resource.selection;
    return s;
}

Channel::Channel(ChannelSettings settings)
    : demand_(settings.demand),
      hls_(settings.hls),
      outputs_(std::move(settings.stream), std::move(settings.selection), settings.upstream.outage_grace),
      stream_(outputs_.main()),
      loop_(std::move(settings.upstream), outputs_) {}

Channel::~Channel() { stop(); }

void Channel::start() {
    if (demand_.on_demand) return;
    std::lock_guard<std::mutex> lock(demand_mutex_);
    if (stopped_) return;
    loop_.start();
    running_ = true;
}

void Channel::stop() {
    {
        std::lock_guard<std::mutex> lock(demand_mutex_);
        stopped_ = true;
        stop_upstream();
    }
    outputs_.disconnect_viewers("server shutting down");
}

Channel::Admission Channel::admit(const std::string& address, const std::string& user, const Query& query) {
    const Parsed<std::optional<uint16_t>> asked = program_from_query(query);
    if (!asked) return refuse(asked.error(), 400);
    // The main output's own program is the main output.
    const std::optional<uint16_t> program = *asked == outputs_.main_program() ? std::nullopt : *asked;
    if (!demand_.on_demand) return attach(address, user, program);
    std::unique_lock<std::mutex> lock(demand_mutex_);
    if (stopped_) return refuse("stream stopped");
    // A loop that gave up (every remote failed and reconnect is 0) is started over by a new viewer.
    if (running_ && loop_.state().gave_up) stop_upstream();
    if (!running_) start_upstream(address);
    const steady_clock::time_point started = started_at_;
    ++waiting_;
    lock.unlock();

    Stream::StartOutcome outcome = stream_->wait_for_start(steady_clock::now() + demand_.start_timeout);
    if (!outcome.ready && outcome.reason.empty()) {
        // This viewer's time ran out first: the start has failed for every viewer waiting on it.
        stream_->fail_start("no picture from the upstream within " +
                            std::to_string(duration_cast<seconds>(demand_.start_timeout).count()) + " s");
        outcome = stream_->wait_for_start(steady_clock::now());
    }
    Admission attached = outcome.ready ? attach(address, user, program) : Admission{};

    lock.lock();
    --waiting_;
    last_demand_ = steady_clock::now();
    if (attached.viewer) {
        start_failed_ = false;
        return attached;
    }
    if (outcome.ready) return attached;  // lost again since the picture, or no such program
    // The last viewer to give up on a failed start closes the upstream: nobody is left to watch it.
    if (waiting_ == 0 && running_ && started == started_at_ && outputs_.idle_since()) {
        note_start_failed(outcome.reason, started);
        stop_upstream();
    }
    return refuse("stream failed to start: " + outcome.reason);
}

std::string Channel::admit_hls(const std::string& address) {
    const std::string no_segment = "no HLS segment within " + std::to_string(duration_cast<seconds>(demand_.start_timeout).count()) + " s";
    if (!demand_.on_demand) return hls_->wait_for_segment(steady_clock::now() + demand_.start_timeout) ? "" : no_segment;
    std::unique_lock<std::mutex> lock(demand_mutex_);
    if (stopped_) return "stream stopped";
    if (running_ && loop_.state().gave_up) stop_upstream();
    if (!running_) {
        hls_->begin_run();  // the reader is stopped: the last run's segments are hours old
        start_upstream(address);
    }
    const steady_clock::time_point started = started_at_;
    ++waiting_;
    lock.unlock();
    const bool ready = hls_->wait_for_segment(steady_clock::now() + demand_.start_timeout);
    // The upstream's own failure, when it settled the start first, says more than the timeout.
    const Stream::StartOutcome outcome = stream_->wait_for_start(steady_clock::now());
    const std::string reason = !outcome.ready && !outcome.reason.empty() ? outcome.reason : no_segment;
    lock.lock();
    --waiting_;
    last_demand_ = steady_clock::now();
    if (ready) {
        start_failed_ = false;
        return {};
    }
    if (waiting_ == 0 && running_ && started == started_at_ && outputs_.idle_since()) {
        note_start_failed(reason, started);
        stop_upstream();
    }
    return "stream failed to start: " + reason;
}

void Channel::stop_if_idle(steady_clock::time_point now) {
    std::lock_guard<std::mutex> lock(demand_mutex_);
    if (!demand_.on_demand || !running_ || waiting_ > 0) return;
    const auto idle = outputs_.idle_since();
    if (!idle) return;
    steady_clock::time_point since = std::max({*idle, last_demand_, started_at_});
    // HLS clients have no connection to hold the stream: their last request counts as a viewer leaving.
    if (hls_) since = std::max(since, hls_->last_request());
    if (now - since < demand_.linger) return;
    LogLine(LogLevel::info, "stream_idle")
        .kv("stream", stream_->path())
        .kv("reason", "no viewers for " + std::to_string(duration_cast<seconds>(now - since).count()) + " s")
        .kv("ran_s", seconds_between(started_at_, now));
    stop_upstream();
}

Channel::Admission Channel::attach(const std::string& address, const std::string& user, std::optional<uint16_t> program) {
    std::shared_ptr<Stream> stream = stream_;
    Stream::StartOutcome start{true, {}};
    if (program) {
        const steady_clock::time_point deadline = steady_clock::now() + demand_.start_timeout;
        ProgramLookup found = outputs_.output_for(*program, deadline);
        if (!found.stream) return refuse(found.reason, found.status);
        stream = std::move(found.stream);
        start = stream->wait_for_start(deadline);
        if (!start.ready && start.reason.empty()) {
            stream->fail_start("no picture of program " + std::to_string(*program) + " within " +
                               std::to_string(duration_cast<seconds>(demand_.start_timeout).count()) + " s");
            start = stream->wait_for_start(steady_clock::now());
        }
    }
    if (auto viewer = stream->attach(address, user)) return {std::move(viewer), {}, 200, std::move(stream)};
    if (!start.ready && !start.reason.empty()) return refuse("program output failed to start: " + start.reason);
    if (program || outputs_.main_program()) return refuse("program not on the air: " + stream->path() + " is not connected");
    return refuse("stream not connected upstream");
}

void Channel::start_upstream(const std::string& client) {
    LogLine(LogLevel::info, "stream_starting").kv("stream", stream_->path()).kv("client", client).kv("reason", "first viewer");
    started_at_ = steady_clock::now();
    stream_->begin_start();
    loop_.start();
    running_ = true;
    starts_.fetch_add(1, std::memory_order_relaxed);
}

void Channel::stop_upstream() {
    loop_.stop();
    running_ = false;
}

void Channel::note_start_failed(const std::string& reason, steady_clock::time_point started) {
    LogLine(LogLevel::warn, "stream_start_failed")
        .kv("stream", stream_->path())
        .kv("reason", reason)
        .kv("waited_s", seconds_between(started, steady_clock::now()));
    start_failures_.fetch_add(1, std::memory_order_relaxed);
    start_failed_ = true;
    std::lock_guard<std::mutex> lock(failure_mutex_);
    start_failure_ = reason;
}

bool Channel::answers_check() const {
    if (!demand_.on_demand) return loop_.is_connected();
    const StreamState now = state(loop_.state());
    return now == StreamState::connected || now == StreamState::idle;
}

StreamState Channel::state(const UpstreamState& up) const {
    if (stream_->is_offline()) return StreamState::offline;
    // Before gave_up: a stopped loop keeps its last state, and a new viewer starts it over.
    if (demand_.on_demand && !running_) return start_failed_ ? StreamState::failed : StreamState::idle;
    if (up.gave_up) return StreamState::offline;
    if (up.connected) return StreamState::connected;
    return up.last_error.empty() ? StreamState::starting : StreamState::failed;
}

StreamStats Channel::stats() const { return output_stats().front().second; }

std::vector<std::pair<std::string, StreamStats>> Channel::output_stats() const {
    StreamStats base;
    const UpstreamState up = loop_.state();
    base.state = state(up);
    base.on_demand = demand_.on_demand;
    base.starts = starts_.load(std::memory_order_relaxed);
    base.start_failures = start_failures_.load(std::memory_order_relaxed);
    base.connected = up.connected;
    base.offline = stream_->is_offline();
    base.gave_up = up.gave_up;
    base.upstream = up.remote;
    base.last_error = up.last_error;
    if (base.state == StreamState::failed && demand_.on_demand && !running_) {
        std::lock_guard<std::mutex> lock(failure_mutex_);
        base.last_error = start_failure_;
    }
    base.upstream_connects = up.connects;
    base.upstream_failures = up.failures;
    base.upstream_failovers = up.failovers;
    base.upstream_failbacks = up.failbacks;
    base.packets_received = up.packets_received;
    base.bytes_received = up.bytes_received;
    base.bytes_skipped = up.bytes_skipped;
    base.sync_losses = up.sync_losses;
    std::vector<std::pair<std::string, StreamStats>> rows;
    for (const OutputRow& row : outputs_.outputs()) {
        StreamStats s = base;
        const OutputStats out = row.stream->stats();
        s.clients = out.viewers.viewers;
        s.packets_dropped = out.viewers.packets_dropped;
        s.bytes_sent = out.viewers.bytes_sent;
        s.viewer_time = out.viewers.viewer_time;
        s.cc_errors = out.packetizer.cc_errors;
        s.bad_sections = out.packetizer.bad_sections;
        s.gop_overflows = out.gop_overflows;
        s.splices = out.packetizer.splices;
        s.splice_dropped_packets = out.packetizer.splice_dropped;
        s.video_codec = out.video_codec;
        s.video_pid = out.video_pid;
        s.tr101290 = out.tr101290;
        s.pid_rates = out.pid_rates;
        s.null_ppm = out.null_ppm;
        if (row.filtered) {
            s.filtered = true;
            s.packets_received = row.packets_passed;
            s.bytes_received = row.packets_passed * ts::kPacketSize;
            s.filter_dropped_packets = row.packets_dropped;
            s.filter_dropped_pids = row.dropped_pids;
        }
        if (hls_ && row.stream == stream_) {
            s.clients += hls_->sessions().active(steady_clock::now());
            s.hls_requests = hls_->requests();
            s.hls_bytes_sent = hls_->bytes_sent();
        }
        rows.emplace_back(row.stream->path(), std::move(s));
    }
    return rows;
}
