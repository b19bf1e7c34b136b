// stream.h - one served stream path: owns its upstream reader thread and fans packets out to clients.
// The reader thread is the only producer for every client queue; attach/detach come from HTTP threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "server/pipeline/client.h"
#include "common/config/config.h"
#include "common/ts/continuity.h"
#include "common/net/net.h"
#include "server/pipeline/gop_cache.h"
#include "server/pipeline/recent_chunks.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_splicer.h"
#include "server/upstreams/remote_schedule.h"

struct StreamSettings {
    std::string path;
    std::vector<UpstreamUrl> remotes;
    std::chrono::milliseconds reconnect_delay{10000};  // 0 = stay offline after a failure
    std::chrono::milliseconds connect_timeout{0};
    std::chrono::milliseconds read_timeout{0};         // also the stall bound: no packet but null ones
    // Viewers stay connected while the upstream is away for up to this long (a failover), then are closed.
    std::chrono::milliseconds client_grace{10000};
    std::size_t read_size = 1000 * ts::kPacketSize;     // bytes per upstream read (inputbuffer)
    bool tls_verify = true;
    ClientLimits client_limits;
    ChunkRef preamble;  // sent to every viewer before the stream (restreamer's HbbTV preamble), or null
    bool fast_start = true;  // a new viewer gets PAT, PMT and the GOP since the last keyframe first

    static StreamSettings from_config(const Resource& resource, const Config& config);
};

// What the reader knows of its upstream, for logs and the API.
struct UpstreamState {
    std::string remote;  // connected remote, or the last one tried
    std::chrono::system_clock::time_point since{};  // of the current connection or outage
    uint64_t connects = 0;
    uint64_t failures = 0;
    std::string last_error;
};

struct StreamStats {
    bool connected = false;
    UpstreamState upstream;
    std::size_t clients = 0;
    uint64_t packets_received = 0;
    uint64_t bytes_received = 0;
    uint64_t packets_dropped = 0;  // summed over present and departed clients
    uint64_t bytes_sent = 0;       // to viewers, summed over present and departed clients
    uint64_t cc_errors = 0;        // continuity counter gaps in the upstream's packets
    uint64_t bytes_skipped = 0;    // garbage the framer skipped
    std::chrono::nanoseconds viewer_time{0};      // summed durations of viewer sessions, present ones so far
    std::chrono::nanoseconds connected_for{0};    // of the current upstream connection; 0 while offline
    std::string video_codec;       // "h264", "h265", "mpeg2" or "none"
    uint16_t video_pid = 0;
};

class Stream {
public:
    explicit Stream(StreamSettings settings);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    void start();
    // Disconnects every client, stops the reader and joins it. Idempotent.
    void stop();

    const std::string& path() const { return settings_.path; }
    bool is_connected() const { return connected_.load(std::memory_order_acquire); }
    // The control API's switch: an offline stream keeps reading its upstream but refuses viewers
    // and has disconnected the ones it had.
    void set_offline(bool offline);
    bool is_offline() const { return offline_.load(std::memory_order_acquire); }

    // HTTP thread. A new client fed from the next chunk on, or nullptr while the upstream is down
    // or the stream is offline.
    std::shared_ptr<Client> attach(const std::string& address);
    // HTTP thread, when the client's response ends.
    void detach(const std::shared_ptr<Client>& client);
    void disconnect_clients(const std::string& reason);

    StreamStats stats() const;

private:
    using ClientList = std::vector<std::shared_ptr<Client>>;

    struct PumpEnd {
        std::string reason;
        bool delivered = false;  // at least one packet went out
    };
    void run();
    // Reads until the upstream fails, stalls or stop() is called.
    PumpEnd pump(class Upstream& upstream, const UpstreamUrl& remote);
    // Cuts the packets at each video keyframe (a keyframe always starts a chunk) and fans them out.
    void publish(std::vector<uint8_t>&& packets);
    void fan_out(const ChunkRef& chunk);
    // Reader thread: takes the joiners over and drops the clients that have ended from fan_out_list_.
    void prune_fan_out_list();
    // A copy of the viewers, to act on them outside the lock.
    ClientList client_list() const;
    // PAT and PMT as they stand, renumbered so that the next live PAT and PMT continue them.
    ChunkRef make_psi_prefix() const;
    // Logs and records the programme when PAT/PMT changed.
    void note_program();
    void set_connected(bool connected);
    void record_failure(const UpstreamUrl& remote, const std::string& error);
    // Closes the viewers once the upstream has been away longer than client_grace.
    void expire_waiting_clients(std::chrono::steady_clock::time_point now);
    // Sleeps up to `wait`, waking early to expire viewers; true when stop() was called.
    bool sleep_between_attempts(std::chrono::steady_clock::duration wait);

    const StreamSettings settings_;
    StopSignal stop_;
    std::thread reader_;
    TsFramer framer_;    // reader thread only
    TsSplicer splicer_;  // reader thread only
    TsInspector inspector_;                   // reader thread only
    std::array<uint8_t, 8192> last_cc_{};     // reader thread only: last continuity_counter per PID
    // Reader thread only: set while viewers wait through an outage.
    std::optional<std::chrono::steady_clock::time_point> lost_at_;

    // Joining takes no lock that a joiner could wait on: a thousand viewers arriving at once, with
    // one of them or the reader preempted while holding it, queued for hundreds of ms. attach()
    // reads the published JoinPoint (the GOP and the number of the last chunk in it) and pushes the
    // viewer on a lock-free stack; the reader takes the stack over with each chunk and gives each
    // joiner the chunks published since its JoinPoint, so the GOP and the live chunks meet without
    // a gap or a repeat.
    struct JoinPoint {
        GopSnapshot gop;
        uint64_t last_seq = 0;  // the number of the last chunk published (in the GOP, if any)
    };
    std::shared_ptr<const JoinPoint> join_point_;  // std::atomic_load/atomic_store only
    struct Joining {
        std::shared_ptr<Client> client;
        uint64_t next_seq;  // the first chunk it must get from the reader
    };
    struct JoinNode;
    std::atomic<JoinNode*> joiners_{nullptr};
    std::atomic<std::size_t> joiners_waiting_{0};  // on that stack, for stats()
    // Any thread: empties the joiners' stack; in the order they came.
    std::vector<Joining> take_joiners();
    // Reader thread: gives each joiner the chunks up to seq_ that it lacks and adds it to
    // fan_out_list_.
    void adopt_joiners();

    std::atomic<bool> connected_{false};
    std::atomic<bool> offline_{false};
    // Reader thread only: the GOP, the last chunk's number, and the latest chunks for joiners that
    // were slow between reading the JoinPoint and getting on the stack.
    GopCache gop_cache_;
    uint64_t seq_ = 0;
    RecentChunks recent_;
    // Reader thread: publishes the GOP as it stands for the viewers that attach from now on.
    void publish_join_point();

    mutable std::mutex clients_mutex_;
    // The viewers the reader has taken over, guarded by clients_mutex_. A set, so that detach()
    // costs the same with 2000 viewers as with one.
    std::unordered_set<std::shared_ptr<Client>> clients_;
    // Reader thread only: the clients it feeds, iterated without the lock. Joiners are taken over
    // once per chunk; clients that ended are dropped as the reader meets them.
    ClientList fan_out_list_;

    std::atomic<uint64_t> packets_received_{0};
    std::atomic<uint64_t> bytes_received_{0};
    std::atomic<uint64_t> packets_dropped_{0};  // of clients that have left
    std::atomic<uint64_t> bytes_skipped_{0};
    std::atomic<uint64_t> bytes_sent_{0};        // of clients that have left
    std::atomic<int64_t> viewer_time_ns_{0};     // of clients that have left
    std::atomic<uint64_t> cc_errors_{0};
    std::atomic<int64_t> connected_at_ns_{0};    // steady_clock of the current connection; 0 while offline
    ContinuityChecker input_cc_;                 // reader thread only

    mutable std::mutex upstream_mutex_;
    UpstreamState upstream_;
    std::string video_codec_ = "none";  // guarded by upstream_mutex_
    uint16_t video_pid_ = 0;            // guarded by upstream_mutex_
    uint64_t psi_generation_ = 0;       // reader thread only: the inspector's, when last logged
};
