// step.h - one measured step of the bench: N viewers of one server, a ramp until all are answered,
// a settle time, then a measurement window: what the server process cost and what the viewers got.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/net/net.h"
#include "load_client.h"

// Thrown when the bench is interrupted (Ctrl-C) in the middle of a step.
struct Interrupted {};

struct StepSettings {
    std::size_t clients = 1;
    unsigned threads = 2;
    std::size_t burst = 256;
    double rate = 0;             // new viewers per second; 0: as fast as `burst` allows
    int nice = -20;              // of the load threads
    double window_s = 12;
    double settle_s = 2;
    double ramp_limit_s = 20;    // measure anyway after this long; the unanswered are not held
    double expected_bps = 8e6;   // a viewer is held when it got >= 90% of this over the window
};

struct Percentiles {
    std::size_t count = 0;  // values it was taken over
    double p50 = -1;
    double p99 = -1;
};
Percentiles percentiles(std::vector<double> values);

struct StepResult {
    std::size_t attempted = 0;
    std::size_t answered = 0;  // got a 200 head
    std::size_t held = 0;      // answered and received >= 90% of the expected rate over the window
    std::map<std::string, std::size_t> failures;  // reason -> viewers, whether before or after the head
    double ramp_s = 0;
    double window_s = 0;
    uint64_t window_bytes = 0;  // body bytes all viewers received in the window
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

    double mbps() const { return window_s > 0 ? double(window_bytes) * 8 / window_s / 1e6 : 0; }
    // CPU seconds per 10^9 body bytes delivered.
    double cpu_s_per_gb() const { return window_bytes > 0 ? server_cpu_s / (double(window_bytes) / 1e9) : 0; }
    double kib_per_client() const;
    // CPU time of everything but the server and the bench in the window, in % of one core.
    double other_cpu_percent() const;
};

// Runs one step against `server` (the process serving `target`); the viewers are closed on return.
StepResult run_step(const LoadTarget& target, pid_t server, const StepSettings& settings, const StopSignal& interrupt);
