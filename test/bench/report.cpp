// report.cpp - fixed-width text; "-" where a figure does not exist (no keyframe, no PCR matched).
#include "report.h"

#include <cstdio>

namespace {
std::string pair(const Percentiles& p) {
    if (p.count == 0) return "-";
    int decimals = p.p99 < 10 ? 1 : 0;
    return fixed(p.p50, decimals) + "/" + fixed(p.p99, decimals);
}

std::string edge_text(const EdgeFigures& e) {
    return fixed(e.delay_ms.p50, 1) + "/" + fixed(e.delay_ms.p99, 1) + "/" + fixed(e.delay_ms.max, 1) + " ms over " +
           std::to_string(e.delay_ms.count) + " PCRs" + (e.unmatched ? ", " + std::to_string(e.unmatched) + " unmatched" : "");
}

double percent(double seconds, double window) { return window > 0 ? 100 * seconds / window : 0; }

// Above this, something besides the bench and the server under test (bin/source and the idle other
// server take a few %) competed for the CPU, and the step's figures are suspect.
constexpr double kOtherCpuWarning = 20;
}  // namespace

std::string fixed(double v, int decimals) {
    if (v < 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void print_step(const std::string& server, const std::string& step, const StepResult& r) {
    std::printf("%-6s %-12s attempted %zu, answered %zu, held %zu; ramp %.2f s; connect p50/p99 %s ms; head %s ms; "
                "first byte %s ms; keyframe %s ms (%zu viewers); then behind the stream's clock p50/p99 %s, max %s ms\n",
                server.c_str(), step.c_str(), r.attempted, r.answered, r.held, r.ramp_s, pair(r.connect_ms).c_str(),
                pair(r.head_ms).c_str(), pair(r.first_byte_ms).c_str(), pair(r.keyframe_ms).c_str(), r.keyframe_ms.count,
                pair(r.startup_stall_ms).c_str(), fixed(r.startup_stall_ms.max, 0).c_str());
    std::printf("       %.1f Mbit/s, slowest viewer %.2f Mbit/s (%.1f%%); CPU: %s %.0f%% (user %.0f%%; %.3f s/GB), bench %.0f%%, "
                "all %.0f%%; unread in bench avg/max %.1f/%.1f MiB; RSS %.1f -> %.1f MiB (%.0f KiB/viewer); cc_err %llu, "
                "sync losses %llu; live edge p50/p99/max %s",
                r.mbps(), r.slowest_bps / 1e6, r.slowest_percent(), server.c_str(), percent(r.server_cpu_s, r.window_s),
                percent(r.server_user_s, r.window_s), r.cpu_s_per_gb(), percent(r.bench_cpu_s, r.window_s),
                100 * r.machine_busy, r.unread_avg_bytes / 1048576, double(r.unread_max_bytes) / 1048576,
                double(r.rss_before_kib) / 1024, double(r.rss_after_kib) / 1024, r.kib_per_client(),
                static_cast<unsigned long long>(r.cc_errors), static_cast<unsigned long long>(r.sync_losses),
                edge_text(r.edge).c_str());
    for (const auto& [reason, count] : r.failures) std::printf("; %zu %s", count, reason.c_str());
    std::printf("\n");
    if (r.other_cpu_percent() > kOtherCpuWarning)
        std::printf("       note: other processes used %.0f%% of a core in this window; the machine was shared\n",
                    r.other_cpu_percent());
    std::fflush(stdout);
}

void print_edge(const std::string& server, const std::string& step, const EdgeFigures& e, const std::string& error) {
    std::printf("%-6s %-12s live edge, one viewer: delay p50/p99/max %s%s%s\n", server.c_str(), step.c_str(),
                edge_text(e).c_str(), error.empty() ? "" : "; ", error.c_str());
    std::fflush(stdout);
}

void print_hls_step(const std::string& step, const HlsStepResult& r) {
    std::printf("%-6s %-12s players %zu, playing %zu, held %zu; in the window: %llu segments, %llu playlists, %llu missed "
                "(404), %llu not starting with a PAT, %llu connects\n",
                "server", step.c_str(), r.attempted, r.playing, r.held, static_cast<unsigned long long>(r.segments),
                static_cast<unsigned long long>(r.playlists), static_cast<unsigned long long>(r.missed),
                static_cast<unsigned long long>(r.bad), static_cast<unsigned long long>(r.connects));
    std::printf("       %.1f Mbit/s; CPU: server %.0f%% (%.3f s/GB); RSS %.1f -> %.1f MiB (%.0f KiB/player); segment listed "
                "after its keyframe p50/p99/max %s/%s/%s ms over %zu segments%s%s",
                r.window_s > 0 ? double(r.window_bytes) * 8 / r.window_s / 1e6 : 0, percent(r.server_cpu_s, r.window_s),
                r.cpu_s_per_gb(), double(r.rss_before_kib) / 1024, double(r.rss_after_kib) / 1024, r.kib_per_player(),
                fixed(r.listed_ms.p50, 0).c_str(), fixed(r.listed_ms.p99, 0).c_str(), fixed(r.listed_ms.max, 0).c_str(),
                r.listed_ms.count, r.listed_unmatched ? (", " + std::to_string(r.listed_unmatched) + " unmatched").c_str() : "",
                r.probe_error.empty() ? "" : ("; probe: " + r.probe_error).c_str());
    for (const auto& [reason, count] : r.failures) std::printf("; %zu %s", count, reason.c_str());
    std::printf("\n");
    std::fflush(stdout);
}
