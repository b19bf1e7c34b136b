// viewer.h - Viewer: the stream's end of one viewer, the consumer end of its PacketQueue and its
// counters. The stream's reader thread calls start() and offer(); the viewer's HTTP thread calls
// next_batch() and release(); disconnect() may come from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "server/pipeline/packet_queue.h"

struct ViewerLimits {
    std::size_t queue_chunks = 1024;
    std::size_t queue_bytes = 4 << 20;
    // A viewer that keeps losing packets this long is disconnected: it cannot keep up with the stream.
    std::chrono::milliseconds max_lag{5000};
};

class Viewer {
public:
    // `user`: who authenticated for the stream, or empty; shown by the streams API.
    Viewer(std::string stream_path, std::string address, const ViewerLimits& limits, std::string user = {});

    // Reader thread, once, before any offer(): what the viewer gets first (the preamble, PAT and
    // PMT, the cached GOP). False when it does not fit; the viewer then starts at the next keyframe.
    bool start(const std::vector<ChunkRef>& head);
    // Reader thread only. Queues the chunk, or drops it for this viewer alone when its queue is
    // full. After a drop the viewer skips to the next keyframe chunk and gets PAT and PMT again
    // before it, so that it never sees half a picture. False, and nothing done, once the viewer
    // has ended: the reader then drops it from its list.
    bool offer(const ChunkRef& chunk, std::chrono::steady_clock::time_point now);

    // HTTP thread only. Waits until `batch_bytes` are queued or `max_delay` has passed, and moves the
    // queued chunks into `out` (cleared first), so that the writer sends the shared chunks
    // themselves, never a copy. Until all that start() queued is taken (or, without a start, for
    // the first batch), any queued byte is a batch: the keyframe picture must not wait for one.
    PacketQueue::PopResult next_batch(std::vector<ChunkRef>& out, std::size_t batch_bytes, std::chrono::milliseconds max_delay);
    void count_sent(std::size_t bytes) { bytes_sent_.fetch_add(bytes, std::memory_order_relaxed); }

    // Any thread. Ends the stream for this viewer; the first reason given is the one logged.
    void disconnect(const std::string& reason);
    // HTTP thread, when its response has ended: disconnects and lets go of the queued chunks at once
    // (the reader drops the viewer itself only when it next fans out, perhaps after an outage).
    void release(const std::string& reason);
    std::string end_reason() const;
    bool is_disconnected() const { return queue_.is_closed(); }

    const std::string& address() const { return address_; }
    const std::string& user() const { return user_; }
    std::chrono::system_clock::time_point connected_since() const { return connected_since_; }
    const std::string& stream_path() const { return stream_path_; }
    uint64_t bytes_sent() const { return bytes_sent_.load(std::memory_order_relaxed); }
    uint64_t packets_dropped() const { return packets_dropped_.load(std::memory_order_relaxed); }
    std::chrono::steady_clock::duration connected_for() const { return std::chrono::steady_clock::now() - connected_at_; }

private:
    const std::string stream_path_;
    const std::string address_;
    const std::string user_;
    const std::chrono::system_clock::time_point connected_since_ = std::chrono::system_clock::now();
    const std::chrono::milliseconds max_lag_;
    const std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
    PacketQueue queue_;
    // The bytes start() queued: until they are all taken, any of them is a batch. Set by the reader
    // before it pushes them, so a consumer that pops one sees it.
    std::atomic<std::size_t> start_bytes_{0};
    std::size_t popped_bytes_ = 0;  // HTTP thread only

    // Reader thread only.
    void drop(const ChunkRef& chunk, std::chrono::steady_clock::time_point now);
    bool resyncing_ = false;                                // dropping until the next keyframe
    std::chrono::steady_clock::time_point lagging_since_{}; // first drop of the current run
    std::atomic<uint64_t> bytes_sent_{0};
    std::atomic<uint64_t> packets_dropped_{0};

    mutable std::mutex reason_mutex_;
    std::string end_reason_;
};
