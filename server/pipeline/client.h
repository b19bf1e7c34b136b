// client.h - one viewer of a stream: the consumer end of its PacketQueue and its counters.
// The stream's reader thread calls offer(); the viewer's HTTP thread calls next_chunks();
// disconnect() may come from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "server/http/backlog_gate.h"
#include "server/pipeline/buffer_pool.h"
#include "server/pipeline/gop_cache.h"
#include "server/pipeline/packet_queue.h"

struct ClientLimits {
    std::size_t queue_chunks = 1024;
    std::size_t queue_bytes = 4 << 20;
    // A client that keeps losing packets this long is disconnected: it cannot keep up with the stream.
    std::chrono::milliseconds max_lag{5000};
};

class Client {
public:
    Client(std::string stream_path, std::string address, const ClientLimits& limits);

    // The HTTP thread, when attaching: what the viewer gets before any live chunk: `head` (the
    // preamble, PAT and PMT), then `gop` (the cached GOP, shared with the viewers who joined at the
    // same point). Kept out of the queue, which only the reader fills, so that the stream's lock is
    // held for a reference to the GOP, not for a copy of it.
    void start_with(std::vector<ChunkRef> head, GopSnapshot gop);

    // Reader thread only. Queues the chunk, or drops it for this client alone when its queue is
    // full. After a drop the client skips to the next keyframe chunk and gets PAT and PMT again
    // before it, so that it never sees half a picture. False, and nothing done, once the client
    // has ended: the reader then drops it from its list.
    bool offer(const ChunkRef& chunk, std::chrono::steady_clock::time_point now);

    // `data`: at the live edge. `backlog`: the rest of the start GOP, or a queue more than two
    // batches deep; the viewer is behind, and the writer may let other viewers go first.
    enum class BatchResult { data, backlog, idle, closed };
    // HTTP thread only. Waits until a batch worth a wake-up is queued (kBatchBytes) or `max_delay`
    // has passed, and moves the queued chunks into `out` (cleared first), so that the writer sends
    // the shared chunks themselves, never a copy. `idle` when nothing came. The first call does not
    // wait: it returns the head and the GOP's first picture (its keyframe) alone, so that the
    // picture is not written behind the rest of the GOP; the next call returns that rest.
    BatchResult next_chunks(std::vector<ChunkRef>& out, std::chrono::milliseconds max_delay);
    // HTTP thread only. When `chunk` must be written for the viewer's playback to keep pace with its
    // first picture: when that picture went out, plus how long after its keyframe the chunk arrived.
    // At once (time_point::min()) for a viewer that started without a GOP.
    std::chrono::steady_clock::time_point due(const PacketChunk& chunk) const;
    // A wake-up per 256 KiB or per max_delay, whichever comes first: at 8 Mbit/s about 5 a second.
    static constexpr std::size_t kBatchBytes = 256 * 1024;
    void count_sent(std::size_t bytes) { bytes_sent_.fetch_add(bytes, std::memory_order_relaxed); }

    // Any thread. Ends the stream for this client; the first reason given is the one logged.
    void disconnect(const std::string& reason);
    std::string end_reason() const;
    bool is_disconnected() const { return queue_.is_closed(); }

    const std::string& address() const { return address_; }
    const std::string& stream_path() const { return stream_path_; }
    uint64_t bytes_sent() const { return bytes_sent_.load(std::memory_order_relaxed); }
    uint64_t packets_dropped() const { return packets_dropped_.load(std::memory_order_relaxed); }
    std::chrono::steady_clock::duration connected_for() const { return std::chrono::steady_clock::now() - connected_at_; }

private:
    const std::string stream_path_;
    const std::string address_;
    const std::chrono::milliseconds max_lag_;
    const std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
    PacketQueue queue_;

    // HTTP thread only.
    bool start_taken_ = false;     // the head and first picture were returned
    bool first_pop_ = true;        // the first live batch goes out without waiting for a full one
    std::vector<ChunkRef> start_head_;
    GopSnapshot start_gop_;
    std::size_t start_gop_next_ = 0;  // the first slice of start_gop_ not yet returned
    std::chrono::steady_clock::time_point first_picture_at_ = std::chrono::steady_clock::time_point::min();
    std::chrono::steady_clock::time_point keyframe_arrived_{};
    // Moves start_gop_'s slices into `out`: the first picture only, or all that are left.
    void take_start_gop(std::vector<ChunkRef>& out, bool first_picture_only);

    // Reader thread only.
    void drop(const ChunkRef& chunk, std::chrono::steady_clock::time_point now);
    bool resyncing_ = false;                                // dropping until the next keyframe
    std::chrono::steady_clock::time_point lagging_since_{}; // first drop of the current run
    std::atomic<uint64_t> bytes_sent_{0};
    std::atomic<uint64_t> packets_dropped_{0};

    mutable std::mutex reason_mutex_;
    std::string end_reason_;
};

// Writes a viewer's batch with few write calls and no copy of large chunks: chunks smaller than
// kGatherBelow are gathered into one buffer borrowed from `pool`, larger ones go out as they are.
// (A chunk is what one upstream read brought, often a few KiB: writing each alone cost two polls
// and a send per chunk in httplib.) `write` returns false when the viewer is gone; so does this.
// `sent` counts the bytes written.
constexpr std::size_t kGatherBelow = 128 * 1024;
bool write_batch(const std::vector<ChunkRef>& batch, BufferPool& pool,
                 const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent);

// Writes a backlog batch (BatchResult::backlog) in slices of about kBacklogSliceBytes, each with
// write_batch through `gate` (perhaps on another thread), after `wait_writable` has said that the
// socket has room for it (poll(): a third of the send buffer, more than a slice), so that the
// write does not block. A thread waiting for its viewer's socket or for a pass holds neither a
// pass nor a pool buffer, so buffers in use still follow the writes in flight, not the viewers
// catching up.
constexpr std::size_t kBacklogSliceBytes = 128 * 1024;
// `due` (Client::due) gives the gate the slice's place in line and how long it may wait for newcomers.
using DueFunction = std::function<std::chrono::steady_clock::time_point(const PacketChunk&)>;
bool write_backlog(const std::vector<ChunkRef>& batch, BufferPool& pool, BacklogGate& gate, const DueFunction& due,
                   const std::function<bool()>& wait_writable,
                   const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent);
