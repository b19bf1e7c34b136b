// step.h - one measured step of the bench: N viewers of one server, a ramp until all are answered,
// a settle time, then a measurement window: what the server process cost and what the viewers got.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/net/net.h"
#include "edge_probe.h"
#include "load_client.h"
#include "stats.h"

// Thrown when the bench is interrupted (Ctrl-C) in the middle of a step.
struct Interrupted {};

struct StepSettings {
    std::size_t clients = 1;
    unsigned threads = 2;
    double rate = 0;             // new viewers per second; 0: a join storm, all at once
    double window_s = 10;
    double settle_s = 2;
    double expected_bps = 8e6;   // the stream's rate; a viewer is held when it got >= held_fraction of it
    double held_fraction = 0.9;
    // Measure anyway this long after the last viewer was due; the unanswered are not held.
    double ramp_grace_s = 10;
};

struct StepResult {
    double expected_bps = 0;
    std::size_t attempted = 0;
    std::size_t answered = 0;  // got a 200 head
    std::size_t held = 0;      // answered and received >= held_fraction of the expected rate over the window
    std::map<std::string, std::size_t> failures;  // reason -> viewers, whether before or after the head
    double ramp_s = 0;
    double window_s = 0;
    uint64_t window_bytes = 0;  // body bytes all viewers received in the window
    double slowest_bps = 0;     // the least any attempted viewer received over the window
    double server_cpu_s = 0;    // in the window
    double server_user_s = 0;   // the part of it in user space
    double bench_cpu_s = 0;     // this process (the viewers), in the window
    double machine_busy = 0;    // CPUs busy in the window (2.0 = two whole cores)
    double unread_avg_bytes = 0;  // in the viewers' receive buffers, sampled over the window
    uint64_t unread_max_bytes = 0;
    uint64_t rss_before_kib = 0;
    uint64_t rss_after_kib = 0;
    uint64_t cc_errors = 0;
    uint64_t sync_losses = 0;
    Percentiles connect_ms, head_ms, first_byte_ms, keyframe_ms, startup_stall_ms;
    EdgeFigures edge;  // the live-edge probe's viewer, over the window

    double mbps() const { return window_s > 0 ? double(window_bytes) * 8 / window_s / 1e6 : 0; }
    // The slowest viewer's rate in % of the stream's.
    double slowest_percent() const { return expected_bps > 0 ? 100 * slowest_bps / expected_bps : 0; }
    // CPU seconds per 10^9 body bytes delivered.
    double cpu_s_per_gb() const { return window_bytes > 0 ? server_cpu_s / (double(window_bytes) / 1e9) : 0; }
    double kib_per_client() const;
    // CPU time of everything but the server and the bench in the window, in % of one core.
    double other_cpu_percent() const;
};

// Runs one step against `server` (the process serving `targets`; viewer i watches target i mod n);
// the viewers are closed on return. `edge` (may be null) is the probe watching that server: its
// figures are taken over the window.
StepResult run_step(const std::vector<LoadTarget>& targets, pid_t server, LiveEdgeProbe* edge, const StepSettings& settings,
                    const StopSignal& interrupt);
