// stats.cpp - sorting copies; the inputs are at most a few thousand values.
#include "stats.h"

#include <algorithm>
#include <cmath>

Percentiles percentiles(std::vector<double> values) {
    Percentiles out;
    out.count = values.size();
    if (values.empty()) return out;
    std::sort(values.begin(), values.end());
    auto rank = [&](double p) { return values[std::size_t(std::ceil(p * double(values.size()))) - 1]; };
    out.p50 = rank(0.50);
    out.p99 = rank(0.99);
    out.max = values.back();
    return out;
}

double median(std::vector<double> values) {
    if (values.empty()) return -1;
    std::sort(values.begin(), values.end());
    std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
