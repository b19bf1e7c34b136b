// report.h - what the bench prints: a line of detail per measured step as it ends, and the table
// comparing bin/server with the floor at the end.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "step.h"

struct ReportRow {
    StepResult ours;
    std::optional<StepResult> floor;
};

// Two lines for one step: counts, timings, rates, CPU and memory, and why viewers failed.
void print_step(const char* server, std::size_t clients, const StepResult& r);
void print_table(const std::vector<ReportRow>& rows);
