// stats.h - the bench's order statistics: percentiles of one step's values, medians over runs. Pure.
#pragma once

#include <cstddef>
#include <vector>

struct Percentiles {
    std::size_t count = 0;  // values it was taken over
    double p50 = -1;
    double p99 = -1;
    double max = -1;
};
// Nearest rank: the smallest value with at least p% of the values at or below it; -1s when empty.
Percentiles percentiles(std::vector<double> values);
// The middle value (the mean of the middle two for an even count); -1 when empty.
double median(std::vector<double> values);
