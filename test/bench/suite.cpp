// suite.cpp - which steps run on which stream, with what settings, and the figures each one files.
#include "suite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "report.h"
#include "rig.h"

namespace {
// A storm is judged over the 3 s after each viewer's first keyframe (StreamProbe): the window must
// outlast that for the viewers that got theirs last.
constexpr double kStormSettleS = 0.5;
constexpr double kStormWindowS = 4;

void file_step(Figures& f, const std::string& prefix, const StepResult& r) {
    auto put = [&](const char* name, double v) { f[prefix + "." + name] = v; };
    put("cpu_gb", r.cpu_s_per_gb());
    put("held", double(r.held));
    put("slowest_pct", r.slowest_percent());
    put("cc", double(r.cc_errors));
    put("kf_count", double(r.keyframe_ms.count));
    put("kf_p50", r.keyframe_ms.p50);
    put("kf_p99", r.keyframe_ms.p99);
    put("stall_max", r.startup_stall_ms.max);
    put("rss_kib", r.kib_per_client());
    put("edge_p99", r.edge.delay_ms.p99);
    put("edge_max", r.edge.delay_ms.max);
}

// `seconds` with no viewer but the probes': each server's live-edge figures.
void measure_edge(Rig& rig, double seconds, const std::string& step, Figures& f, const StopSignal& interrupt) {
    for (const auto& c : rig.contenders()) c->edge->take();
    if (interrupt.wait_for(std::chrono::milliseconds(static_cast<long>(seconds * 1000)))) throw Interrupted{};
    for (const auto& c : rig.contenders()) {
        EdgeFigures e = c->edge->take();
        print_edge(c->name, step, e, c->edge->error());
        f[step + "." + c->name + ".edge_p99"] = e.delay_ms.p99;
        f[step + "." + c->name + ".edge_max"] = e.delay_ms.max;
    }
}

// The step against bin/server, then (when `floor_too`) the same against the floor.
void run_step_on_all(Rig& rig, const std::string& step, const StepSettings& s, bool floor_too,
                     std::optional<double> phase_ms, Figures& f) {
    for (const auto& c : rig.contenders()) {
        if (c->name != "server" && !floor_too) continue;
        StepResult r = rig.measure(*c, s, phase_ms);
        print_step(c->name, step, r);
        file_step(f, step + "." + c->name, r);
    }
}

RigSettings rig_settings(const Options& o, const std::string& stream, const std::string& label, std::size_t max_viewers) {
    return RigSettings{o.bin_dir, o.work_dir, stream, label, o.floor, max_viewers, 0};
}

// Against bin/server only (the floor serves no HLS). Its CPU per GB is compared with the TS viewers'
// of the same run: those of the steady step with as many viewers, else of the first steady step.
void run_hls_step(Rig& rig, const Options& o, Figures& f) {
    HlsStepSettings s;
    s.players = o.hls;
    s.threads = o.threads;
    s.rate = o.hls_rate;
    s.window_s = o.seconds;
    s.segment_s = kHlsSegmentS;
    // A player starts three segments back: its first fetches are a burst, done within a segment.
    s.settle_s = o.settle + kHlsSegmentS;
    const HlsStepResult r = rig.measure_hls(*rig.contenders().front(), s);
    print_hls_step(kHlsStep, r);
    auto put = [&](const char* name, double v) { f[std::string(kHlsStep) + ".server." + name] = v; };
    put("cpu_gb", r.cpu_s_per_gb());
    put("held", double(r.held));
    put("listed_p50", r.listed_ms.p50);
    put("listed_max", r.listed_ms.max);
    put("missed", double(r.missed));
    put("bad", double(r.bad));
    put("rss_kib", r.kib_per_player());
    if (o.clients.empty()) return;
    const bool same = std::find(o.clients.begin(), o.clients.end(), o.hls) != o.clients.end();
    auto ts = f.find(steady_step(same ? o.hls : o.clients.front()) + ".server.cpu_gb");
    if (ts != f.end() && ts->second > 0) put("cpu_ratio", r.cpu_s_per_gb() / ts->second);
}

void run_main_stream(const Options& o, double bps, const StopSignal& interrupt, Figures& f) {
    std::size_t largest = std::max(o.storm, o.hls);
    for (std::size_t n : o.clients) largest = std::max(largest, n);
    RigSettings settings = rig_settings(o, o.stream, "main", largest);
    if (o.hls > 0) settings.hls_segment_s = kHlsSegmentS;
    Rig rig(settings, interrupt);
    if (o.edge_seconds > 0) measure_edge(rig, o.edge_seconds, kEdgeMainStep, f, interrupt);
    StepSettings s;
    s.threads = o.threads;
    s.expected_bps = bps;
    for (std::size_t n : o.clients) {
        s.clients = n;
        s.rate = o.rate;
        s.settle_s = o.settle;
        s.window_s = o.seconds;
        run_step_on_all(rig, steady_step(n), s, true, o.phase_ms, f);
    }
    if (o.hls > 0) run_hls_step(rig, o, f);
    if (o.storm == 0) return;
    // Against bin/server only: the floor has no cache of the past, so its viewers wait up to a GOP
    // for a keyframe and a storm says nothing about it.
    s.clients = o.storm;
    s.rate = 0;
    s.settle_s = kStormSettleS;
    s.window_s = kStormWindowS;
    run_step_on_all(rig, kStormStep, s, false, o.phase_ms, f);
}

void run_low_stream(const Options& o, double bps, const StopSignal& interrupt, Figures& f) {
    Rig rig(rig_settings(o, o.low_stream, "low", o.many), interrupt);
    if (o.edge_seconds > 0) measure_edge(rig, o.edge_seconds, kEdgeLowStep, f, interrupt);
    if (o.many == 0) return;
    StepSettings s;
    s.threads = o.threads;
    s.expected_bps = bps;
    s.clients = o.many;
    s.rate = o.many_rate;
    s.settle_s = o.settle;
    s.window_s = o.many_seconds;
    run_step_on_all(rig, kManyStep, s, true, o.phase_ms, f);
}
// The same viewers on the MPTS's program outputs (?program=1..P, one upstream), then on the
// unfiltered main stream: what a program output costs per GB delivered. bin/server only: the floor
// cannot filter.
void run_programs(const Options& o, double bps, const StopSignal& interrupt, Figures& f) {
    RigSettings settings = rig_settings(o, o.mpts_stream, "mpts", o.programs);
    settings.floor = false;
    StepSettings s;
    s.threads = o.threads;
    s.expected_bps = bps;  // each program of the MPTS is a copy of the main stream's
    s.clients = o.programs;
    s.rate = o.rate;
    s.settle_s = o.settle;
    s.window_s = o.seconds;
    std::vector<std::string> queries;
    for (unsigned p = 1; p <= o.mpts_programs; ++p) queries.push_back("?program=" + std::to_string(p));
    {
        Rig rig(settings, interrupt);
        StepResult r = rig.measure(*rig.contenders().front(), s, o.phase_ms, queries);
        print_step("server", kProgramsStep, r);
        file_step(f, std::string(kProgramsStep) + ".server", r);
    }
    settings.stream = o.stream;
    settings.label = "spts";
    Rig rig(settings, interrupt);
    StepResult r = rig.measure(*rig.contenders().front(), s, o.phase_ms);
    print_step("server", kSptsStep, r);
    file_step(f, std::string(kSptsStep) + ".server", r);
    const double ratio = f[std::string(kProgramsStep) + ".server.cpu_gb"] / f[std::string(kSptsStep) + ".server.cpu_gb"];
    f[std::string(kProgramsStep) + ".server.ratio"] = ratio;
    std::printf("  program outputs / unfiltered: %.2fx CPU s per GB (%zu viewers over %u programs)\n", ratio, o.programs, o.mpts_programs);
}
}  // namespace

std::string steady_step(std::size_t clients) { return "steady" + std::to_string(clients); }

Figures run_suite(const Options& o, const StreamRates& rates, const StopSignal& interrupt) {
    Figures f;
    if (!o.clients.empty() || o.storm > 0 || o.hls > 0 || o.edge_seconds > 0) run_main_stream(o, rates.main_bps, interrupt, f);
    if (o.many > 0 || o.edge_seconds > 0) run_low_stream(o, rates.low_bps, interrupt, f);
    if (o.programs > 0) run_programs(o, rates.main_bps, interrupt, f);
    return f;
}
