// report.h - the lines the bench prints as it goes: one step's details (two lines) as it ends, and
// one server's live-edge figures. Owner thread.
#pragma once

#include <string>

#include "edge_probe.h"
#include "hls_step.h"
#include "step.h"

// "-" for a negative figure (one that does not exist), else `v` with `decimals`.
std::string fixed(double v, int decimals);

// Counts, timings, rates, CPU and memory, the live edge, and why viewers failed.
void print_step(const std::string& server, const std::string& step, const StepResult& r);
void print_edge(const std::string& server, const std::string& step, const EdgeFigures& e, const std::string& error);
// Players, fetches, the server's CPU and memory, and how soon segments were listed.
void print_hls_step(const std::string& step, const HlsStepResult& r);
