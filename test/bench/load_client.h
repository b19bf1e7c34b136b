// load_client.h - LoadClients: N HTTP viewers of one stream (or spread over several), run by a few
// threads with epoll and non-blocking sockets. Each viewer decodes a chunked or a plain body and
// checks it (StreamProbe). The owner thread reads progress and byte counters while they run, and the
// full results after stop().
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"

struct LoadTarget {
    sockaddr_storage address{};
    socklen_t address_len = 0;
    std::string request;  // the whole request head sent by every viewer
};

// One viewer's outcome. Times are from the start of connect(); negative when it never happened.
struct ViewerResult {
    double connect_ms = -1;   // until the TCP connection was up
    double head_ms = -1;      // until the response head (the server's thread has answered)
    double first_byte_ms = -1;  // until the first body byte
    double keyframe_ms = -1;  // until the packet that starts the first video keyframe
    double startup_stall_ms = -1;  // how far it fell behind the stream's clock after that (StreamProbe)
    uint64_t bytes = 0;       // body bytes (after chunked decoding)
    uint64_t cc_errors = 0;
    uint64_t sync_losses = 0;
    bool got_head = false;    // a 200 response head arrived
    std::string failure;      // why it ended before stop(): "EMFILE", "HTTP 503", "closed by peer", ...
};

class LoadClients {
public:
    struct Progress {
        std::size_t answered = 0;  // got a 200 response head
        std::size_t receiving = 0;  // got body bytes
        std::size_t failed = 0;    // ended before a response head (connect error, refused, non-200)
        std::size_t ended = 0;     // ended after the head (the server closed, a bad body)
        // Bytes waiting in the viewers' socket receive buffers at the workers' last look (every
        // 250 ms): when this grows, the bench, not the server, is falling behind.
        uint64_t unread_bytes = 0;
    };

    // Starts `count` viewers on `threads` threads, at the normal priority the server's threads have.
    // `rate` > 0: `rate` connects a second, evenly spaced, as viewers of a channel arrive; 0: a join
    // storm, every connect issued at once with nothing held back.
    LoadClients(const LoadTarget& target, std::size_t count, unsigned threads, double rate);
    // The same over several streams: viewer i watches targets[i % targets.size()] (a lineup's channels).
    LoadClients(std::vector<LoadTarget> targets, std::size_t count, unsigned threads, double rate);
    ~LoadClients();
    LoadClients(const LoadClients&) = delete;
    LoadClients& operator=(const LoadClients&) = delete;

    Progress progress() const;
    // Body bytes received so far by each viewer, in a fixed order.
    std::vector<uint64_t> bytes() const;
    // Closes every connection and joins the threads; idempotent.
    void stop();
    // In the order of bytes(). Only after stop().
    std::vector<ViewerResult> results() const;

private:
    struct Connection;
    class Worker;

    std::vector<LoadTarget> targets_;  // the connections point into it
    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<std::unique_ptr<Worker>> workers_;
    StopSignal stop_;
    std::vector<std::thread> threads_;
};
