// edge_probe.h - LiveEdgeProbe: how long a byte waits in a server at the live edge, whatever the
// stream's bitrate. The server's upstream connection goes through a relay of the probe's own (the
// tap), which notes when it handed each PCR to the server's socket; one viewer of the server notes when
// the same PCR reached its socket. The difference is the byte's time in the server, plus two loopback hops.
// Independent of the server under test: it needs only that PCRs pass through unchanged.
// Threads: the tap's thread and the viewer's thread record under one mutex; the owner calls take().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/net/net.h"
#include "common/net/unique_fd.h"
#include "stats.h"

struct EdgeFigures {
    // Over the PCRs that reached the tap after the viewer was answered: what came from the server's
    // cache of the past (its fast start) is not the live edge.
    Percentiles delay_ms;
    std::size_t unmatched = 0;  // PCRs the viewer got that the tap never relayed: should stay 0
};

class LiveEdgeProbe {
public:
    // Listens on 127.0.0.1 at once, and relays each connection it accepts, one at a time, to the source.
    // Throws std::runtime_error when it cannot listen.
    LiveEdgeProbe(std::string source_host, uint16_t source_port);
    ~LiveEdgeProbe();
    LiveEdgeProbe(const LiveEdgeProbe&) = delete;
    LiveEdgeProbe& operator=(const LiveEdgeProbe&) = delete;

    // Give the server http://127.0.0.1:tap_port()/<the source's path> as its upstream.
    uint16_t tap_port() const { return tap_port_; }
    // Starts the one viewer of http://host:port/path; once only.
    void watch(const std::string& host, uint16_t port, const std::string& path);
    // The figures over what the viewer got since the last take().
    EdgeFigures take();
    // When the tap relayed the packet carrying this PCR on `pid` (realtime ns), while it remembers it.
    std::optional<int64_t> tapped_at(uint16_t pid, uint64_t pcr) const;
    // Why the tap's last relay or the viewer ended ("" when neither did).
    std::string error() const;

private:
    void accept_loop();
    std::string relay(int server_fd);
    void view(const std::string& host, uint16_t port, const std::string& path);
    void note_tapped(const std::vector<uint8_t>& packets, int64_t at_ns);
    void note_viewed(const std::vector<uint8_t>& packets, int64_t at_ns);
    void set_error(const std::string& error);

    std::string source_host_;
    uint16_t source_port_;
    UniqueFd listener_;
    uint16_t tap_port_ = 0;
    StopSignal stop_;

    mutable std::mutex mutex_;
    std::unordered_map<uint64_t, int64_t> tapped_;  // PCR (and its PID) -> when the tap relayed it, ns
    std::deque<std::pair<int64_t, uint64_t>> tapped_order_;  // to forget the old ones
    int64_t viewer_since_ns_ = INT64_MAX;  // when the viewer's response head came
    std::vector<double> delays_ms_;
    std::size_t unmatched_ = 0;
    std::string error_;

    std::thread tap_thread_;
    std::thread viewer_thread_;
};
