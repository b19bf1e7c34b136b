// channel.h - Channel: one configured stream resource, assembled: its UpstreamLoop and the outputs
// it feeds (OutputSplitter: the main Stream and one per `?program=` asked for), and when the
// upstream runs: always, or on demand (from the first viewer until `linger` after the last). Not on
// the packets' path: the loop calls the splitter directly. start()/stop() from the service's
// thread; the rest from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/config/config.h"
#include "server/pipeline/hls_output.h"
#include "server/pipeline/output_splitter.h"
#include "server/pipeline/stream.h"
#include "server/pipeline/upstream_loop.h"

// An on-demand channel's upstream runs only while someone watches.
struct DemandSettings {
    bool on_demand = false;
    std::chrono::milliseconds linger{30000};         // kept open this long after the last viewer left
    std::chrono::milliseconds start_timeout{10000};  // a first viewer waits this long for a picture
};

struct ChannelSettings {
    UpstreamSettings upstream;
    StreamSettings stream;
    DemandSettings demand;
    std::shared_ptr<HlsOutput> hls;  // also the stream's tap; null without `hls`
    ProgramSelection selection;      // the main output's program and strip rules; none: the upstream as it is

    static ChannelSettings from_config(const Resource& resource, const Config& config);
};

// idle: on demand and nobody watches (not an error); starting: the upstream is being opened or
// has not yet sent a picture; failed: it could not be opened, or an on-demand start failed last;
// offline: set offline by the control API, or every remote failed and reconnect is 0.
enum class StreamState { idle, starting, connected, failed, offline };
constexpr std::size_t kStreamStateCount = 5;
const char* to_string(StreamState state);

// What the API shows of one stream: its upstream and its viewers.
struct StreamStats {
    StreamState state = StreamState::starting;
    bool on_demand = false;
    uint64_t starts = 0;           // on-demand starts (first viewers of an idle stream)
    uint64_t start_failures = 0;   // starts that gave their viewers 503
    bool connected = false;
    bool offline = false;      // set offline by the control API
    bool gave_up = false;      // every remote failed and reconnect is 0
    std::string upstream;      // the remote tried or connected last, as logged
    std::string last_error;    // why the upstream last failed; empty once connected
    uint64_t upstream_connects = 0;
    uint64_t upstream_failures = 0;
    uint64_t upstream_failovers = 0;  // switches away from a remote whose content broke the failover rules
    uint64_t upstream_failbacks = 0;  // switches back to the first remote
    std::size_t clients = 0;       // TS viewers and live HLS sessions
    uint64_t packets_received = 0;
    uint64_t bytes_received = 0;
    uint64_t packets_dropped = 0;  // summed over present and departed viewers
    uint64_t bytes_sent = 0;       // to viewers, summed over present and departed viewers
    std::chrono::nanoseconds viewer_time{0};  // summed durations of viewer sessions, present ones so far
    uint64_t cc_errors = 0;        // continuity counter gaps in the upstream's packets
    uint64_t bytes_skipped = 0;    // garbage between packets
    uint64_t sync_losses = 0;
    uint64_t bad_sections = 0;     // PAT/PMT sections with a bad CRC or content
    uint64_t gop_overflows = 0;    // GOPs too long or large to cache
    uint64_t splices = 0;          // joins onto a new upstream connection
    uint64_t splice_dropped_packets = 0;
    std::string video_codec = "none";
    uint16_t video_pid = 0;
    uint64_t hls_requests = 0;     // playlists and segments answered
    uint64_t hls_bytes_sent = 0;   // segment bodies sent
    Tr101290Counts tr101290;       // the TR 101 290 indicators of the upstream's transport stream
    std::vector<Tr101290PidRate> pid_rates;
    uint32_t null_ppm = 0;         // null packets per million, over the last second
    // A filtered output (`program`, `strip`, `?program=`): packets_received and bytes_received count
    // the program's packets from the upstream; these, the upstream's packets it dropped.
    bool filtered = false;
    uint64_t filter_dropped_packets = 0;
    uint64_t filter_dropped_pids = 0;  // distinct PIDs dropped
};

class Channel {
public:
    explicit Channel(ChannelSettings settings);
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Starts the upstream, unless it is on demand.
    void start();
    // Stops the upstream and closes every viewer; an on-demand channel starts no more. Idempotent.
    void stop();

    // HTTP thread: a viewer fed from the next chunk on, or why not (a 503's body). An idle on-demand
    // channel starts its upstream here and waits, with every viewer arriving meanwhile, for the
    // first picture, at most `start_timeout`.
    // `query`: the URL's parameters; `?program=N` asks for that program of the upstream's PAT (its
    // own output, made on first use): 400 when malformed, 404 when the PAT does not list it.
    struct Admission {
        std::shared_ptr<Viewer> viewer;
        std::string refusal;
        int status = 503;                // the refusal's HTTP status
        std::shared_ptr<Stream> stream;  // the output the viewer is attached to
    };
    static Admission refuse(std::string reason, int status = 503) { return {nullptr, std::move(reason), status, nullptr}; }
    using Query = std::multimap<std::string, std::string>;
    Admission admit(const std::string& address, const std::string& user, const Query& query = {});
    // HTTP thread: a playlist request. Empty once the HLS window holds a segment, else why not (a
    // 503's body). Waits for the first segment at most `start_timeout`; an idle on-demand channel
    // starts its upstream here, as admit() does, and stays up while HLS clients come back.
    std::string admit_hls(const std::string& address);
    // An on-demand channel nobody has watched for `linger` closes its upstream. Called periodically.
    void stop_if_idle(std::chrono::steady_clock::time_point now);
    bool is_on_demand() const { return demand_.on_demand; }
    // The upstream runs (always, once started, for a channel that is not on demand).
    bool is_running() const { return running_.load(); }

    const std::string& path() const { return stream_->path(); }
    // Shared: a viewer's response keeps its stream alive after a reload has retired the channel.
    const std::shared_ptr<Stream>& stream() const { return stream_; }
    // The HLS output, or null when the resource has no `hls`.
    const std::shared_ptr<HlsOutput>& hls() const { return hls_; }
    bool is_connected() const { return loop_.is_connected(); }
    // Failovers and failbacks of the upstream so far (content-aware switches).
    std::pair<uint64_t, uint64_t> upstream_switches() const { return loop_.switches(); }
    // Every output's viewers (the main stream's and each `?program=` output's); any thread.
    void disconnect_viewers(const std::string& reason) { outputs_.disconnect_viewers(reason); }
    // When the last viewer of any output left, or nothing while one is attached.
    std::optional<std::chrono::steady_clock::time_point> idle_since() const { return outputs_.idle_since(); }
    // The control API's switch, for every output (see Stream::set_offline).
    void set_offline(bool offline) { outputs_.set_offline(offline); }
    // The check API's 200: connected, or idle on demand and not failed at its last start.
    bool answers_check() const;
    // The main output's figures.
    StreamStats stats() const;
    // One row per output, the main one first, each with its path (`?program=N` for program outputs).
    std::vector<std::pair<std::string, StreamStats>> output_stats() const;

private:
    // With demand_mutex_ held.
    void start_upstream(const std::string& client);
    void stop_upstream();
    void note_start_failed(const std::string& reason, std::chrono::steady_clock::time_point started);
    // Attaches to the main output, or to `program`'s (waiting for its first picture).
    Admission attach(const std::string& address, const std::string& user, std::optional<uint16_t> program);
    StreamState state(const UpstreamState& upstream) const;

    const DemandSettings demand_;
    const std::shared_ptr<HlsOutput> hls_;
    OutputSplitter outputs_;
    const std::shared_ptr<Stream> stream_;  // the main output
    UpstreamLoop loop_;  // after outputs_: it feeds them until stopped

    std::mutex demand_mutex_;  // held while the upstream is started or stopped
    bool stopped_ = false;     // by stop(): nothing starts the upstream again
    std::size_t waiting_ = 0;  // viewers in admit() of an on-demand channel
    std::chrono::steady_clock::time_point started_at_{};
    std::chrono::steady_clock::time_point last_demand_{};  // when a viewer last left admit()
    // Read by stats() without demand_mutex_, which a stop holds while the reader is joined.
    std::atomic<bool> running_{false};
    std::atomic<bool> start_failed_{false};  // the last on-demand start gave its viewers 503
    std::atomic<uint64_t> starts_{0};
    std::atomic<uint64_t> start_failures_{0};
    mutable std::mutex failure_mutex_;
    std::string start_failure_;  // guarded by failure_mutex_
};
