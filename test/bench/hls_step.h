// hls_step.h - the bench's HLS step: N HlsPlayers of bin/server's HLS output of the main stream, a
// ramp until each has fetched a segment, a settle time, then a measurement window: the server's CPU
// and memory, what the players fetched, and (HlsListingProbe) how soon each new segment was listed.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/net/net.h"
#include "edge_probe.h"
#include "hls_players.h"
#include "stats.h"

struct HlsStepSettings {
    std::size_t players = 1000;
    unsigned threads = 2;
    double rate = 1000;    // players starting per second; 0: all at once
    double settle_s = 4;
    double window_s = 10;
    double segment_s = 2;  // the HLS resource's "segment"
    double ramp_grace_s = 10;
};

struct HlsStepResult {
    std::size_t attempted = 0;
    std::size_t playing = 0;  // fetched a segment
    std::size_t held = 0;     // fetched at least one segment per segment duration of the window, less one
    double window_s = 0;
    uint64_t window_bytes = 0;  // playlist and segment bodies the players received in the window
    uint64_t segments = 0, missed = 0, bad = 0, playlists = 0, connects = 0;  // in the window
    double server_cpu_s = 0;
    uint64_t rss_before_kib = 0, rss_after_kib = 0;
    std::map<std::string, std::size_t> failures;
    Percentiles listed_ms;
    std::size_t listed_unmatched = 0;
    std::string probe_error;

    double cpu_s_per_gb() const { return window_bytes > 0 ? server_cpu_s / (double(window_bytes) / 1e9) : 0; }
    double kib_per_player() const;
};

// `server`: the process serving `target`; `tap`: the live-edge probe on its upstream.
HlsStepResult run_hls_step(const HlsTarget& target, pid_t server, const LiveEdgeProbe& tap,
                           const HlsStepSettings& settings, const StopSignal& interrupt);
