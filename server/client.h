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

#include "common/buffer_pool.h"
#include "common/packet_queue.h"

struct ClientLimits {
    std::size_t queue_chunks = 1024;
    std::size_t queue_bytes = 4 << 20;
    // A client that keeps losing packets this long is disconnected: it cannot keep up with the stream.
    std::chrono::milliseconds max_lag{5000};
};

class Client {
public:
    Client(std::string stream_path, std::string address, const ClientLimits& limits);

    // Reader thread only (or the thread attaching the client, before the reader can see it).
    // Queues the chunk, or drops it for this client alone when its queue is full. After a drop
    // the client skips to the next keyframe chunk and gets PAT and PMT again before it, so that
    // it never sees half a picture. False, and nothing done, once the client has ended: the
    // reader then drops it from its list.
    bool offer(const ChunkRef& chunk, std::chrono::steady_clock::time_point now);

    enum class BatchResult { data, idle, closed };
    // HTTP thread only. Waits until a batch worth a wake-up is queued (kBatchBytes) or `max_delay`
    // has passed, and moves the queued chunks into `out` (cleared first), so that the writer sends
    // the shared chunks themselves, never a copy. The first call after attach() does not wait:
    // the fast-start GOP goes out at once. `idle` when nothing came.
    BatchResult next_chunks(std::vector<ChunkRef>& out, std::chrono::milliseconds max_delay);
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
    bool first_batch_ = true;      // HTTP thread only

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
