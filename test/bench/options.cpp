// options.cpp - "--name value" pairs, numbers checked against each option's range.
#include "options.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>

const char* const kUsage =
    "usage: bench [--runs N] [--clients N,N,...] [--rate R] [--seconds S] [--settle S] [--storm N]\n"
    "             [--hls N] [--hls-rate R] [--many N] [--many-rate R] [--many-seconds S] [--edge-seconds S] [--threads T] [--phase MS]\n"
    "             [--stream FILE] [--low-stream FILE] [--bin DIR] [--work-dir DIR] [--no-floor]\n"
    "             [--programs N] [--mpts-programs P] [--mpts-stream FILE]\n"
    "  --runs          runs of the whole bench; each figure is the median over them (default 3)\n"
    "  --clients       viewer counts of the main stream, one step each; 0 = none (default 1000,2000)\n"
    "  --rate          their arrivals per second, evenly spaced; 0 = all at once (default 1000)\n"
    "  --seconds       measurement window of those steps (default 10)\n"
    "  --settle        seconds between a ramp's end and its window (default 2)\n"
    "  --storm         viewers of the join storm, all connects at once; 0 = none (default 1000)\n"
    "  --hls           HLS players of the main stream (its HLS output), each fetching every segment\n"
    "                  on a keep-alive connection, as hls.js does; 0 = none (default 1000)\n"
    "  --hls-rate      their arrivals per second (default 1000)\n"
    "  --many          viewers of the low-rate stream; 0 = none (default 5000)\n"
    "  --many-rate     their arrivals per second (default 500)\n"
    "  --many-seconds  their window, in which each must get >= 90% of the rate (default 15)\n"
    "  --edge-seconds  live-edge window of each stream with one viewer; 0 = none (default 8)\n"
    "  --threads       load-client threads (default 2)\n"
    "  --phase         start each ramp MS ms after a live video keyframe (+-0.2 s), so that runs\n"
    "                  compare at the same fast-start burst (default: whenever the step comes)\n"
    "  --stream        main TS file (default build/media/bench.ts, 8 Mbit/s)\n"
    "  --low-stream    low-rate TS file (default build/media/bench-1mbit.ts, 1 Mbit/s)\n"
    "  --bin           where bin/server and bin/source are (default bin)\n"
    "  --work-dir      the servers' configs and logs (default build/bench)\n"
    "  --no-floor      measure bin/server only\n"
    "  --programs      viewers spread over the programs 1..P of --mpts-stream (?program=N), then as\n"
    "                  many of the unfiltered --stream: CPU s/GB of each and their ratio; 0 = none (default)\n"
    "  --mpts-programs P, the programs of the MPTS, numbered 1..P (default 5)\n"
    "  --mpts-stream   the MPTS (default build/media/bench-mpts.ts: 5 copies of --stream's programme)\n"
    "bench --floor-server --upstream URL [--listen HOST:PORT]: the floor server alone\n";

namespace {
std::optional<double> parse_number(const std::string& text) {
    try {
        std::size_t used = 0;
        double v = std::stod(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

bool parse_counts(const std::string& value, std::vector<std::size_t>& out) {
    out.clear();
    if (value == "0") return true;
    for (std::size_t start = 0; start <= value.size();) {
        std::size_t comma = std::min(value.find(',', start), value.size());
        auto n = parse_number(value.substr(start, comma - start));
        if (!n || *n < 1) return false;
        out.push_back(std::size_t(*n));
        start = comma + 1;
    }
    return true;
}

// A numeric option: where it goes and the least value it takes.
struct NumberOption {
    std::function<void(Options&, double)> set;
    double min;
};

const std::map<std::string, NumberOption>& number_options() {
    static const std::map<std::string, NumberOption> table = {
        {"--runs", {[](Options& o, double v) { o.runs = unsigned(v); }, 1}},
        {"--rate", {[](Options& o, double v) { o.rate = v; }, 0}},
        {"--seconds", {[](Options& o, double v) { o.seconds = v; }, 0.1}},
        {"--settle", {[](Options& o, double v) { o.settle = v; }, 0}},
        {"--storm", {[](Options& o, double v) { o.storm = std::size_t(v); }, 0}},
        {"--hls", {[](Options& o, double v) { o.hls = std::size_t(v); }, 0}},
        {"--hls-rate", {[](Options& o, double v) { o.hls_rate = v; }, 1}},
        {"--many", {[](Options& o, double v) { o.many = std::size_t(v); }, 0}},
        {"--many-rate", {[](Options& o, double v) { o.many_rate = v; }, 1}},
        {"--many-seconds", {[](Options& o, double v) { o.many_seconds = v; }, 0.1}},
        {"--edge-seconds", {[](Options& o, double v) { o.edge_seconds = v; }, 0}},
        {"--threads", {[](Options& o, double v) { o.threads = unsigned(v); }, 1}},
        {"--phase", {[](Options& o, double v) { o.phase_ms = v; }, 0}},
        {"--programs", {[](Options& o, double v) { o.programs = std::size_t(v); }, 0}},
        {"--mpts-programs", {[](Options& o, double v) { o.mpts_programs = unsigned(v); }, 1}},
    };
    return table;
}
}  // namespace

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
    const std::map<std::string, std::string Options::*> text_options = {
        {"--stream", &Options::stream}, {"--low-stream", &Options::low_stream},
        {"--bin", &Options::bin_dir}, {"--work-dir", &Options::work_dir}, {"--mpts-stream", &Options::mpts_stream}};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--no-floor") {
            o.floor = false;
            continue;
        }
        if (i + 1 >= argc) return error = arg + " needs a value", false;
        std::string value = argv[++i];
        if (arg == "--clients") {
            if (!parse_counts(value, o.clients)) return error = "--clients: not a list of counts: " + value, false;
        } else if (auto text = text_options.find(arg); text != text_options.end()) {
            o.*(text->second) = value;
        } else if (auto number = number_options().find(arg); number != number_options().end()) {
            std::optional<double> v = parse_number(value);
            if (!v || *v < number->second.min) return error = arg + ": not a number in range: " + value, false;
            number->second.set(o, *v);
        } else {
            return error = "unknown option " + arg, false;
        }
    }
    return true;
}
