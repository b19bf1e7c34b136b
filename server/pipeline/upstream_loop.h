// upstream_loop.h - UpstreamLoop: the first stage of a stream's pipeline. Its reader thread connects
// to the remotes in turn (failover, backoff), reads, frames the bytes into whole TS packets, detects
// a stalled upstream and keeps viewers through a short outage; an UpstreamListener gets the packets.
// start()/stop() from the owner's thread (any number of times: an on-demand stream stops it when the
// last viewer leaves); state() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/net/net.h"
#include "common/net/url.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"
#include "server/pipeline/content_health.h"
#include "server/upstreams/remote_schedule.h"
#include "server/upstreams/upstream.h"

class UpstreamCandidate;

// What the reader thread tells the next stage. Every call comes from the reader thread, in this
// order per connection that yields packets: upstream_connected, packets_received..., upstream_lost
// (a connection that yields none makes no call); upstream_unavailable each time every remote has
// failed in turn; outage_expired once when an outage outlasts the grace, and when the loop ends.
class UpstreamListener {
public:
    virtual ~UpstreamListener() = default;
    // A connection delivers its first packets. `splice`: it follows an earlier one that viewers were playing.
    virtual void upstream_connected(bool splice) = 0;
    // Whole 188-byte packets, as read (at most the read size).
    virtual void packets_received(std::vector<uint8_t>&& packets) = 0;
    // Before each packets_received: the framer's running totals (TsFramer), for TR 101 290.
    virtual void sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors) { (void)sync_losses, (void)sync_byte_errors; }
    virtual void upstream_lost() = 0;
    // Every remote has failed in turn (`reason`: the last failure); the loop waits before the next round.
    virtual void upstream_unavailable(const std::string& reason) = 0;
    // The upstream stayed away longer than the grace (or the loop ended): close the viewers.
    virtual void outage_expired(const std::string& reason) = 0;
};

struct UpstreamSettings {
    std::string path;  // the stream's path, for log lines
    std::vector<UpstreamUrl> remotes;
    std::chrono::milliseconds reconnect_delay{10000};  // 0 = stay offline after every remote failed
    std::chrono::milliseconds connect_timeout{0};
    std::chrono::milliseconds read_timeout{0};         // also the stall bound: no packet but null ones
    // Viewers stay connected while the upstream is away for up to this long (a failover).
    std::chrono::milliseconds outage_grace{10000};
    std::size_t read_size = 1000 * ts::kPacketSize;    // bytes per upstream read (inputbuffer)
    bool tls_verify = true;
    // Content-aware failover: the connection is judged by these rules when any is set, and left
    // for the next remote once they have been broken for `after` (make before break where the
    // upstream is a network connection: viewers switch at the new one's first keyframe).
    FailoverRules content;
    bool listed_order = false;            // remotes tried in the order written, else shuffled
    std::chrono::seconds failback{0};     // with listed_order: probe the first remote this often while on another
};

// What the API shows of the loop's upstream.
struct UpstreamState {
    bool connected = false;  // a connection is delivering packets
    uint64_t connects = 0;   // connections opened
    uint64_t failures = 0;   // connections that could not be opened or ended
    uint64_t packets_received = 0;
    uint64_t bytes_received = 0;
    uint64_t bytes_skipped = 0;  // garbage between packets
    uint64_t sync_losses = 0;    // times the framer lost the packet boundaries
    bool gave_up = false;        // every remote failed and reconnect is 0: the loop has ended
    uint64_t failovers = 0;      // switches away from a connection whose content broke the failover rules
    uint64_t failbacks = 0;      // switches back to the first remote once it was healthy again
    std::string remote;          // the remote tried or connected last (its logged form), or empty
    std::string last_error;      // why it last failed; cleared once a connection delivers
};

class UpstreamLoop {
public:
    UpstreamLoop(UpstreamSettings settings, UpstreamListener& listener);
    ~UpstreamLoop();
    UpstreamLoop(const UpstreamLoop&) = delete;
    UpstreamLoop& operator=(const UpstreamLoop&) = delete;

    void start();
    // Closes the upstream and joins the reader; the listener has had outage_expired. Idempotent.
    void stop();
    bool is_connected() const { return connected_.load(std::memory_order_acquire); }
    UpstreamState state() const;
    // Content-aware switches so far (UpstreamState's failovers and failbacks), without its lock.
    std::pair<uint64_t, uint64_t> switches() const {
        return {failovers_.load(std::memory_order_relaxed), failbacks_.load(std::memory_order_relaxed)};
    }
    const UpstreamSettings& settings() const { return settings_; }

private:
    void run();
    // Reads until the upstream fails, stalls or stop() is called; the reason it ended.
    struct ReadEnd {
        std::string reason;
        bool delivered = false;  // at least one packet went out
    };
    // `splice`: passed to the listener when the connection goes live (its first packets). A switch
    // to a candidate replaces `upstream` and `index` (upstream_switch.cpp).
    ReadEnd read_until_end(std::unique_ptr<Upstream>& upstream, std::size_t& index, bool splice);
    // upstream_switch.cpp: after each read of a live connection, the content judgement, candidates
    // for a failover or a failback, and the switch to a ready one. A reason when the connection
    // must end now (its content failed and the upstream cannot be opened twice: break before make).
    std::optional<std::string> check_switch(std::unique_ptr<Upstream>& upstream, std::size_t& index);
    void start_candidate(std::size_t index, bool failback, const std::string& reason);
    void take_over(std::unique_ptr<Upstream>& upstream, std::size_t& index);
    void end_candidate();
    // The packets go to the listener, and into the counters.
    void deliver(std::vector<uint8_t>&& packets);
    // The connection delivers: the listener hears of it, and the outage (if any) is over.
    void go_live(const UpstreamUrl& remote, bool splice);
    // Frames one read; false when the upstream has stalled (only null packets or garbage for read_timeout).
    bool frame(const uint8_t* data, std::size_t len, const UpstreamUrl& remote, std::vector<uint8_t>& packets);
    // Why the connection counts as stalled: no packet at all (bytes without sync), or only null ones.
    std::string stall_reason() const;
    void note_connected(const UpstreamUrl& remote);
    void note_lost(const UpstreamUrl& remote, const std::string& reason, std::chrono::steady_clock::time_point connected_at);
    // Reader thread: the remote being tried, and why it failed (empty on success).
    void note_attempt(const UpstreamUrl& remote);
    void note_error(const std::string& error);
    // Ends the outage grace when it has run out.
    void expire_outage(std::chrono::steady_clock::time_point now);
    // Sleeps up to `wait`, waking early to end the grace; true when stop() was called.
    bool sleep_between_attempts(std::chrono::steady_clock::duration wait);

    const UpstreamSettings settings_;
    UpstreamListener& listener_;
    std::unique_ptr<StopSignal> stop_;  // new for each start()
    std::thread reader_;
    std::atomic<bool> connected_{false};

    // Reader thread only.
    UpstreamOptions options_;
    std::optional<RemoteSchedule> schedule_;
    std::unique_ptr<ContentHealth> health_;       // the live connection's, when rules are set
    std::unique_ptr<UpstreamCandidate> candidate_;
    bool candidate_is_failback_ = false;
    std::chrono::steady_clock::time_point next_failback_{};
    TsFramer framer_;
    std::optional<std::chrono::steady_clock::time_point> lost_at_;  // viewers wait through an outage
    // Since the last packet that was not null: what the connection sent instead.
    struct Silence {
        std::chrono::steady_clock::time_point since{};
        uint64_t bytes = 0;    // read
        uint64_t packets = 0;  // framed (all null)
    };
    Silence silence_;
    std::chrono::steady_clock::time_point last_garbage_log_{};

    // Written by the reader thread, read by state().
    std::atomic<uint64_t> connects_{0};
    std::atomic<uint64_t> failures_{0};
    std::atomic<uint64_t> packets_received_{0};
    std::atomic<uint64_t> bytes_received_{0};
    std::atomic<uint64_t> bytes_skipped_{0};
    std::atomic<uint64_t> sync_losses_{0};
    std::atomic<bool> gave_up_{false};
    std::atomic<uint64_t> failovers_{0};
    std::atomic<uint64_t> failbacks_{0};
    // Strings need a lock; the reader takes it once per attempt or failure, never per read.
    mutable std::mutex status_mutex_;
    std::string remote_;      // guarded by status_mutex_
    std::string last_error_;  // guarded by status_mutex_
};
