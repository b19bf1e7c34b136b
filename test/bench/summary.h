// summary.h - the table the bench ends with: each figure as the median over the runs, bin/server
// beside the floor of the same runs, and the target issue 15 sets for it. Owner thread.
#pragma once

#include <vector>

#include "options.h"
#include "suite.h"

void print_summary(const Options& o, const StreamRates& rates, const std::vector<Figures>& runs);
