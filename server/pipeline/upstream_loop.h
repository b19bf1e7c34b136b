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
#include <vector>

#include "common/net/net.h"
#include "common/net/url.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"

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
    // After each packets_received: why the content of this connection is bad enough to try the next
    // remote (the stream's `failover`), once; empty to keep it.
    virtual std::string take_failover_reason() { return {}; }
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
    bool listed_order = false;  // remotes tried in the order given, the first being the primary; else at random
    bool tls_verify = true;
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
    uint64_t failovers = 0;      // connections left for their content (take_failover_reason)
    bool gave_up = false;        // every remote failed and reconnect is 0: the loop has ended
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
    const UpstreamSettings& settings() const { return settings_; }

private:
    void run();
    // Reads until the upstream fails, stalls or stop() is called; the reason it ended.
    struct ReadEnd {
        std::string reason;
        bool delivered = false;  // at least one packet went out
        bool failover = false;   // left for its content
    };
    // `splice`: passed to the listener when the connection goes live (its first packets).
    ReadEnd read_until_end(class Upstream& upstream, const UpstreamUrl& remote, bool splice);
    // The connection delivers: the listener hears of it, and the outage (if any) is over.
    void go_live(const UpstreamUrl& remote, bool splice);
    // Frames one read; false when the upstream has stalled (only null packets or garbage for read_timeout).
    bool frame(const uint8_t* data, std::size_t len, const UpstreamUrl& remote, std::vector<uint8_t>& packets);
    // Why the connection counts as stalled: no packet at all (bytes without sync), or only null ones.
    std::string stall_reason() const;
    void note_connected(const UpstreamUrl& remote);
    void note_lost(const UpstreamUrl& remote, const ReadEnd& end, std::chrono::steady_clock::time_point connected_at);
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
    std::atomic<uint64_t> failovers_{0};
    std::atomic<bool> gave_up_{false};
    // Strings need a lock; the reader takes it once per attempt or failure, never per read.
    mutable std::mutex status_mutex_;
    std::string remote_;      // guarded by status_mutex_
    std::string last_error_;  // guarded by status_mutex_
};
