// step.cpp - ramp, settle, measure, close; and the statistics over the viewers' results.
#include "step.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "processes.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kPoll{50};
constexpr double kUnreadSample = 0.5;  // seconds

double seconds_since(steady_clock::time_point start) {
    return duration<double>(steady_clock::now() - start).count();
}

void sleep_or_throw(const StopSignal& interrupt, double seconds) {
    if (interrupt.wait_for(milliseconds(static_cast<long>(seconds * 1000)))) throw Interrupted{};
}

// Every viewer was answered or failed, and every answered one got body bytes or ended.
bool ramp_done(const LoadClients::Progress& p, std::size_t n) {
    return p.answered + p.failed >= n && p.receiving + p.ended >= p.answered;
}

double ramp_limit_s(const StepSettings& s) {
    return (s.rate > 0 ? double(s.clients) / s.rate : 0) + s.ramp_grace_s;
}

// What the viewers got: counts, the window's bytes and the slowest, failures, and percentiles.
void tally_viewers(const std::vector<ViewerResult>& results, const std::vector<uint64_t>& bytes_before,
                   const std::vector<uint64_t>& bytes_after, const StepSettings& settings, StepResult& r) {
    const double held_bytes = settings.held_fraction * settings.expected_bps / 8 * r.window_s;
    std::vector<double> connect, head, first_byte, keyframe, stall;
    uint64_t least = results.empty() ? 0 : UINT64_MAX;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const ViewerResult& v = results[i];
        uint64_t got = bytes_after[i] - bytes_before[i];
        r.window_bytes += got;
        least = std::min(least, got);
        if (v.got_head) ++r.answered;
        if (v.got_head && double(got) >= held_bytes) ++r.held;
        if (!v.failure.empty()) ++r.failures[v.failure];
        r.cc_errors += v.cc_errors;
        r.sync_losses += v.sync_losses;
        if (v.connect_ms >= 0) connect.push_back(v.connect_ms);
        if (v.head_ms >= 0) head.push_back(v.head_ms);
        if (v.first_byte_ms >= 0) first_byte.push_back(v.first_byte_ms);
        if (v.keyframe_ms >= 0) keyframe.push_back(v.keyframe_ms);
        if (v.startup_stall_ms >= 0) stall.push_back(v.startup_stall_ms);
    }
    r.slowest_bps = r.window_s > 0 ? double(least) * 8 / r.window_s : 0;
    r.connect_ms = percentiles(std::move(connect));
    r.head_ms = percentiles(std::move(head));
    r.first_byte_ms = percentiles(std::move(first_byte));
    r.keyframe_ms = percentiles(std::move(keyframe));
    r.startup_stall_ms = percentiles(std::move(stall));
}
}  // namespace

double StepResult::kib_per_client() const {
    if (answered == 0) return 0;
    return (double(rss_after_kib) - double(rss_before_kib)) / double(answered);
}

double StepResult::other_cpu_percent() const {
    if (window_s <= 0) return 0;
    return 100 * (machine_busy - (server_cpu_s + bench_cpu_s) / window_s);
}

StepResult run_step(const std::vector<LoadTarget>& targets, pid_t server, LiveEdgeProbe* edge, const StepSettings& settings,
                    const StopSignal& interrupt) {
    StepResult r;
    r.expected_bps = settings.expected_bps;
    r.attempted = settings.clients;
    // Opened before the viewers take their descriptors.
    ProcFile server_stat("/proc/" + std::to_string(server) + "/stat");
    ProcFile server_status("/proc/" + std::to_string(server) + "/status");
    ProcFile machine_stat("/proc/stat");
    r.rss_before_kib = rss_kib_of(server_status.read());

    LoadClients clients(targets, settings.clients, settings.threads, settings.rate);
    auto ramp_start = steady_clock::now();
    while (!ramp_done(clients.progress(), settings.clients) && seconds_since(ramp_start) < ramp_limit_s(settings))
        if (interrupt.wait_for(kPoll)) throw Interrupted{};
    r.ramp_s = seconds_since(ramp_start);
    sleep_or_throw(interrupt, settings.settle_s);

    std::vector<uint64_t> bytes_before = clients.bytes();
    ProcessCpu server_cpu = cpu_seconds_of(server_stat.read());
    double bench_cpu = self_cpu_seconds();
    MachineCpu machine = machine_cpu_of(machine_stat.read());
    if (edge) edge->take();
    auto window_start = steady_clock::now();
    double unread_sum = 0;
    std::size_t samples = 0;
    for (double left = settings.window_s; left > 0; left -= kUnreadSample) {
        sleep_or_throw(interrupt, std::min(left, kUnreadSample));
        uint64_t unread = clients.progress().unread_bytes;
        unread_sum += double(unread);
        r.unread_max_bytes = std::max(r.unread_max_bytes, unread);
        ++samples;
    }
    r.unread_avg_bytes = unread_sum / double(samples);
    std::vector<uint64_t> bytes_after = clients.bytes();
    r.window_s = seconds_since(window_start);
    ProcessCpu server_cpu_after = cpu_seconds_of(server_stat.read());
    r.server_cpu_s = server_cpu_after.total() - server_cpu.total();
    r.server_user_s = server_cpu_after.user - server_cpu.user;
    r.bench_cpu_s = self_cpu_seconds() - bench_cpu;
    MachineCpu machine_after = machine_cpu_of(machine_stat.read());
    r.rss_after_kib = rss_kib_of(server_status.read());
    if (edge) r.edge = edge->take();
    if (machine_after.total > machine.total)
        r.machine_busy = double(machine_after.busy - machine.busy) / double(machine_after.total - machine.total) *
                         double(::sysconf(_SC_NPROCESSORS_ONLN));
    clients.stop();

    tally_viewers(clients.results(), bytes_before, bytes_after, settings, r);
    return r;
}
