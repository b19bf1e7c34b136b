// summary.cpp - the rows (which figure of which step, and its target), medians over the runs, and
// the fixed-width table. test/bench/README.md says what each figure means.
#include "summary.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>

#include "report.h"
#include "stats.h"

namespace {
struct Target {
    std::string text;  // as printed; empty for none
    std::function<bool(double ours, double ratio)> met;
};

struct Row {
    std::string label;
    std::string step;
    std::vector<std::string> figures;  // one, or two shown as "a / b"; the target is on the last
    int decimals = 0;
    bool ratio = false;  // show ours / floor of the figure
    Target target;
};

Target at_most(double limit, const std::string& text) {
    return {text, [limit](double v, double) { return v <= limit; }};
}
Target at_least(double limit, const std::string& text) {
    return {text, [limit](double v, double) { return v >= limit; }};
}
Target all_of(std::size_t n) { return at_least(double(n), "= " + std::to_string(n)); }
const Target kNone{"= 0", [](double v, double) { return v == 0; }};
const Target kRatio{"ratio <= 1.5", [](double, double ratio) { return ratio <= 1.5; }};
const Target kNoTarget{"", nullptr};

std::string mbit(double bps) { return fixed(bps / 1e6, 1) + " Mbit/s"; }
std::string number(double v) { return fixed(v, 0); }

void add_steady_rows(std::vector<Row>& rows, const Options& o, const StreamRates& rates) {
    for (std::size_t n : o.clients) {
        const std::string step = steady_step(n);
        const std::string arriving = o.rate > 0 ? "arriving " + number(o.rate) + "/s" : "all at once";
        rows.push_back({std::to_string(n) + " viewers of " + mbit(rates.main_bps) + " " + arriving + ": CPU s/GB", step,
                        {"cpu_gb"}, 3, true, kRatio});
        rows.push_back({"  held (>= 90% of the rate over the window)", step, {"held"}, 0, false, all_of(n)});
        rows.push_back({"  slowest viewer, % of the stream's rate", step, {"slowest_pct"}, 1, false, at_least(90, ">= 90")});
        rows.push_back({"  CC errors, all viewers", step, {"cc"}, 0, false, kNone});
        rows.push_back({"  first keyframe p50 / p99, ms", step, {"kf_p50", "kf_p99"}, 1, false, at_most(50, "p99 <= 50")});
        rows.push_back({"  RSS per viewer, KiB", step, {"rss_kib"}, 0, false, kNoTarget});
        rows.push_back({"  live-edge delay p99 / max, ms", step, {"edge_p99", "edge_max"}, 1, false, at_most(500, "max <= 500")});
    }
}

void add_hls_rows(std::vector<Row>& rows, const Options& o, const StreamRates& rates) {
    const std::string who = std::to_string(o.hls) + " HLS players of " + mbit(rates.main_bps) + " arriving " + number(o.hls_rate) + "/s";
    const std::size_t ts = o.clients.empty() ? 0
                           : std::find(o.clients.begin(), o.clients.end(), o.hls) != o.clients.end() ? o.hls
                                                                                                      : o.clients.front();
    rows.push_back({who + ": CPU s/GB", kHlsStep, {"cpu_gb"}, 3, false, kNoTarget});
    rows.push_back({"  CPU s/GB / that of " + std::to_string(ts) + " TS viewers", kHlsStep, {"cpu_ratio"}, 2, false,
                    at_most(1.5, "<= 1.5")});
    rows.push_back({"  held (a segment per segment duration)", kHlsStep, {"held"}, 0, false, all_of(o.hls)});
    rows.push_back({"  segments missed (404)", kHlsStep, {"missed"}, 0, false, kNone});
    rows.push_back({"  segments not starting with a PAT", kHlsStep, {"bad"}, 0, false, kNone});
    const double limit_ms = kHlsSegmentS * 1000 + 100;  // one segment duration + 100 ms
    rows.push_back({"  segment listed after its keyframe p50 / max, ms", kHlsStep, {"listed_p50", "listed_max"}, 0, false,
                    at_most(limit_ms, "max <= " + number(limit_ms))});
    rows.push_back({"  RSS per player, KiB", kHlsStep, {"rss_kib"}, 0, false, kNoTarget});
}

std::vector<Row> rows_for(const Options& o, const StreamRates& rates) {
    std::vector<Row> rows;
    if (o.edge_seconds > 0) {
        rows.push_back({"live-edge delay p99 / max, ms, " + mbit(rates.main_bps) + ", 1 viewer", kEdgeMainStep,
                        {"edge_p99", "edge_max"}, 1, false, at_most(500, "max <= 500")});
        rows.push_back({"live-edge delay p99 / max, ms, " + mbit(rates.low_bps) + ", 1 viewer", kEdgeLowStep,
                        {"edge_p99", "edge_max"}, 1, false, at_most(500, "max <= 500")});
    }
    add_steady_rows(rows, o, rates);
    if (o.hls > 0) add_hls_rows(rows, o, rates);
    if (o.storm > 0) {
        rows.push_back({"join storm of " + std::to_string(o.storm) + ", all at once: served (got a keyframe)", kStormStep,
                        {"kf_count"}, 0, false, all_of(o.storm)});
        rows.push_back({"  first keyframe p50 / p99, ms", kStormStep, {"kf_p50", "kf_p99"}, 1, false, at_most(500, "p99 <= 500")});
        rows.push_back({"  worst behind the stream's clock in 3 s after it, ms", kStormStep, {"stall_max"}, 0, false,
                        at_most(1000, "<= 1000")});
        rows.push_back({"  CC errors, all viewers", kStormStep, {"cc"}, 0, false, kNone});
    }
    if (o.many > 0) {
        const std::string who = std::to_string(o.many) + " viewers of " + mbit(rates.low_bps) + " arriving " +
                                number(o.many_rate) + "/s";
        rows.push_back({who + ": held", kManyStep, {"held"}, 0, false, all_of(o.many)});
        rows.push_back({"  slowest viewer, % of the stream's rate", kManyStep, {"slowest_pct"}, 1, false, at_least(90, ">= 90")});
        rows.push_back({"  CC errors, all viewers", kManyStep, {"cc"}, 0, false, kNone});
        rows.push_back({"  CPU s/GB", kManyStep, {"cpu_gb"}, 3, true, kRatio});
        rows.push_back({"  RSS per viewer, KiB", kManyStep, {"rss_kib"}, 0, false, kNoTarget});
    }
    if (o.programs > 0) {
        const std::string who = std::to_string(o.programs) + " viewers";
        rows.push_back({who + " over " + std::to_string(o.mpts_programs) + " program outputs of one MPTS: CPU s/GB",
                        kProgramsStep, {"cpu_gb"}, 3, false, kNoTarget});
        rows.push_back({"  held (>= 90% of a program's rate over the window)", kProgramsStep, {"held"}, 0, false, all_of(o.programs)});
        rows.push_back({"  CC errors, all viewers", kProgramsStep, {"cc"}, 0, false, kNone});
        rows.push_back({who + " of the unfiltered " + mbit(rates.main_bps) + " stream: CPU s/GB", kSptsStep, {"cpu_gb"}, 3,
                        false, kNoTarget});
        rows.push_back({"  program outputs / unfiltered, CPU s/GB", kProgramsStep, {"ratio"}, 2, false, at_most(1.3, "<= 1.3")});
    }
    return rows;
}

// The figure in one run; -1 when it does not exist there.
double figure_of(const Figures& run, const std::string& key) {
    auto it = run.find(key);
    return it == run.end() ? -1 : it->second;
}

double median_over(const std::vector<Figures>& runs, const std::string& key) {
    std::vector<double> values;
    for (const Figures& run : runs)
        if (double v = figure_of(run, key); v >= 0) values.push_back(v);
    return median(std::move(values));
}

std::string cell(const std::vector<Figures>& runs, const Row& row, const std::string& who) {
    std::string out;
    for (const std::string& figure : row.figures)
        out += (out.empty() ? "" : " / ") + fixed(median_over(runs, row.step + "." + who + "." + figure), row.decimals);
    return out;
}

void print_row(const std::vector<Figures>& runs, const Row& row) {
    const std::string last = row.figures.back();
    const double ours = median_over(runs, row.step + ".server." + last);
    const double floor = median_over(runs, row.step + ".floor." + last);
    const double ratio = row.ratio && ours >= 0 && floor > 0 ? ours / floor : -1;
    std::string met = "-";
    if (row.target.met && ours >= 0 && (!row.ratio || ratio >= 0)) met = row.target.met(ours, ratio) ? "yes" : "NO";
    std::string each;
    for (const Figures& run : runs) each += (each.empty() ? "" : " ") + fixed(figure_of(run, row.step + ".server." + last), row.decimals);
    std::printf("%-62s %15s %15s %6s  %-13s %-4s %s\n", row.label.c_str(), cell(runs, row, "server").c_str(),
                cell(runs, row, "floor").c_str(), fixed(ratio, 2).c_str(), row.target.text.c_str(), met.c_str(), each.c_str());
}
}  // namespace

void print_summary(const Options& o, const StreamRates& rates, const std::vector<Figures>& runs) {
    std::printf("\n== summary: median of %zu run%s; ours = bin/server, floor = the bench's epoll fan-out in the same runs\n",
                runs.size(), runs.size() == 1 ? "" : "s");
    std::printf("%-62s %15s %15s %6s  %-13s %-4s %s\n", "figure", "ours", "floor", "ratio", "target", "met",
                "ours in each run (target figure)");
    for (const Row& row : rows_for(o, rates)) print_row(runs, row);
    std::printf("CPU s/GB: user+system CPU seconds of the server process (from /proc) per 10^9 body bytes delivered "
                "in the window. held: got >= 90%% of the stream's rate over the window.\n"
                "live edge: how long a PCR took from the server's upstream socket to a viewer's socket. "
                "\"-\": no such figure (a step not run, no keyframe). test/bench/README.md explains each figure.\n");
    std::fflush(stdout);
}
