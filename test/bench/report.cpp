// report.cpp - fixed-width text; "-" where a figure does not exist (no keyframe, no floor).
#include "report.h"

#include <cstdio>
#include <string>

namespace {
std::string fixed(double v, int decimals) {
    if (v < 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string pair(const Percentiles& p) {
    if (p.count == 0) return "-";
    int decimals = p.p99 < 10 ? 1 : 0;
    return fixed(p.p50, decimals) + "/" + fixed(p.p99, decimals);
}

double percent(double seconds, double window) { return window > 0 ? 100 * seconds / window : 0; }

// Above this, something besides the bench and the server under test (bin/source and the idle other
// server take a few %) competed for the CPU, and the step's figures are suspect.
constexpr double kOtherCpuWarning = 20;
}  // namespace

void print_step(const char* server, std::size_t clients, const StepResult& r) {
    std::printf("%-6s N=%-5zu attempted %zu, answered %zu, held %zu; ramp %.2f s; connect p50/p99 %s ms; "
                "head %s ms; first byte %s ms; keyframe %s ms (%zu viewers); then behind the stream's clock %s ms\n",
                server, clients, r.attempted, r.answered, r.held, r.ramp_s, pair(r.connect_ms).c_str(),
                pair(r.head_ms).c_str(), pair(r.first_byte_ms).c_str(), pair(r.keyframe_ms).c_str(), r.keyframe_ms.count,
                pair(r.startup_stall_ms).c_str());
    std::printf("       %.1f Mbit/s; CPU: %s %.0f%% (user %.0f%%; %.3f s/GB), bench %.0f%%, all %.0f%%; unread in bench avg/max "
                "%.1f/%.1f MiB; RSS %.1f -> %.1f MiB; cc_err %llu, sync losses %llu",
                r.mbps(), server, percent(r.server_cpu_s, r.window_s), percent(r.server_user_s, r.window_s),
                r.cpu_s_per_gb(),
                percent(r.bench_cpu_s, r.window_s), 100 * r.machine_busy, r.unread_avg_bytes / 1048576,
                double(r.unread_max_bytes) / 1048576, double(r.rss_before_kib) / 1024,
                double(r.rss_after_kib) / 1024, static_cast<unsigned long long>(r.cc_errors),
                static_cast<unsigned long long>(r.sync_losses));
    for (const auto& [reason, count] : r.failures) std::printf("; %zu %s", count, reason.c_str());
    std::printf("\n");
    if (r.other_cpu_percent() > kOtherCpuWarning)
        std::printf("       note: other processes used %.0f%% of a core in this window; the machine was shared\n",
                    r.other_cpu_percent());
    std::fflush(stdout);
}

void print_table(const std::vector<ReportRow>& rows) {
    std::printf("\n%-6s %-11s %8s %9s %14s %6s %8s %10s %7s %16s %15s %17s %10s %8s %9s %6s\n", "N", "held", "Mbit/s",
                "cpu_s/GB", "floor_cpu_s/GB", "ratio", "rss_MiB", "KiB/client", "cc_err", "ttfb_p50/p99_ms",
                "key_p50/p99_ms", "stall_p50/p99_ms", "floor_held", "srv_cpu%", "bench_cpu%", "other%");
    for (const ReportRow& row : rows) {
        const StepResult& r = row.ours;
        // "held/attempted" when some viewers were not held, so a short count is never read as full.
        std::string held = std::to_string(r.held);
        if (r.held != r.attempted) held += "/" + std::to_string(r.attempted);
        double floor_gb = row.floor ? row.floor->cpu_s_per_gb() : -1;
        double ratio = floor_gb > 0 ? r.cpu_s_per_gb() / floor_gb : -1;
        std::string floor_held = row.floor ? std::to_string(row.floor->held) : "-";
        std::printf("%-6zu %-11s %8.1f %9.3f %14s %6s %8.1f %10.1f %7llu %16s %15s %17s %10s %8.0f %9.0f %6.0f\n",
                    r.attempted, held.c_str(), r.mbps(), r.cpu_s_per_gb(), fixed(floor_gb, 3).c_str(),
                    fixed(ratio, 2).c_str(), double(r.rss_after_kib) / 1024, r.kib_per_client(),
                    static_cast<unsigned long long>(r.cc_errors), pair(r.first_byte_ms).c_str(),
                    pair(r.keyframe_ms).c_str(), pair(r.startup_stall_ms).c_str(), floor_held.c_str(),
                    percent(r.server_cpu_s, r.window_s),
                    percent(r.bench_cpu_s, r.window_s), r.other_cpu_percent());
    }
    std::printf("cpu_s/GB: the server's user+system CPU seconds per 10^9 body bytes delivered in the window; "
                "ratio = ours / floor.\nsrv_cpu%%, bench_cpu%%, other%% (all else on the machine): CPU time in %% of one core; "
                "held = got >= 90%% of the stream's rate in the window.\nstall: how far a viewer's stream fell behind its own clock (PCR) in the 3 s after its first keyframe, "
                "from that keyframe's arrival: the buffer a player showing the first picture at once needs not to stall.\n");
    std::fflush(stdout);
}
