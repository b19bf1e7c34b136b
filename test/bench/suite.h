// suite.h - one run of the bench: the main stream's steps (live edge, steady arrivals, join storm) and
// the low-rate stream's (live edge, many viewers), each stream against fresh processes. It prints
// each step's details as it ends and returns its figures by name for the summary. Owner thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "common/net/net.h"
#include "options.h"

// A run's figures by name ("<step>.<server|floor>.<figure>"); a figure that does not exist is absent
// or negative (no keyframe arrived, no PCR was matched).
using Figures = std::map<std::string, double>;

// The streams' rates by their own clocks (bits per second).
struct StreamRates {
    double main_bps = 0;
    double low_bps = 0;
};

// Throws Interrupted on Ctrl-C, std::runtime_error when a process does not start or exits.
Figures run_suite(const Options& o, const StreamRates& rates, const StopSignal& interrupt);

// The step names the figures are filed under. Figures of a step: cpu_gb, held, slowest_pct, cc,
// kf_count, kf_p50, kf_p99, stall_max, rss_kib, edge_p99, edge_max (see suite.cpp).
std::string steady_step(std::size_t clients);
constexpr const char* kStormStep = "storm";
constexpr const char* kManyStep = "many";
constexpr const char* kHlsStep = "hls";
constexpr double kHlsSegmentS = 2;  // the HLS step's "segment": the default, one GOP of the bench stream  // figures: cpu_gb, cpu_ratio, held, listed_p50, listed_max, missed, bad, rss_kib
constexpr const char* kEdgeMainStep = "edge.main";
constexpr const char* kEdgeLowStep = "edge.low";
constexpr const char* kProgramsStep = "programs";  // viewers of the MPTS's program outputs
constexpr const char* kSptsStep = "spts";          // as many of the unfiltered main stream
