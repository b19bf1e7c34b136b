// channel.h - Channel: one configured stream resource, assembled: its UpstreamLoop and the Stream
// it feeds (later several outputs of one upstream). Not on the packets' path: the loop calls the
// stream directly. start()/stop() from the service's thread; the rest from any thread.
#pragma once

#include <memory>
#include <string>

#include "common/config/config.h"
#include "server/pipeline/stream.h"
#include "server/pipeline/upstream_loop.h"

struct ChannelSettings {
    UpstreamSettings upstream;
    StreamSettings stream;

    static ChannelSettings from_config(const Resource& resource, const Config& config);
};

// What the API shows of one stream: its upstream and its viewers.
struct StreamStats {
    bool connected = false;
    bool offline = false;      // set offline by the control API
    bool gave_up = false;      // every remote failed and reconnect is 0
    std::string upstream;      // the remote tried or connected last, as logged
    std::string last_error;    // why the upstream last failed; empty once connected
    uint64_t upstream_connects = 0;
    uint64_t upstream_failures = 0;
    std::size_t clients = 0;
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
};

class Channel {
public:
    explicit Channel(ChannelSettings settings);
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    void start() { loop_.start(); }
    // Stops the upstream and closes every viewer. Idempotent.
    void stop();

    const std::string& path() const { return stream_->path(); }
    // Shared: a viewer's response keeps its stream alive after a reload has retired the channel.
    const std::shared_ptr<Stream>& stream() const { return stream_; }
    bool is_connected() const { return loop_.is_connected(); }
    StreamStats stats() const;

private:
    const std::shared_ptr<Stream> stream_;
    UpstreamLoop loop_;  // after stream_: it feeds it until stopped
};
