// lineup_client.cpp - bin/lineup_client: the viewers of test/bench/lineup.sh, a lineup of on-demand
// channels served at /ch1.ts, /ch2.ts, ... Built on the bench's load client and step (test/bench/), so
// every viewer checks its body the bench's way (alignment, continuity counters, the first video
// keyframe by the PMT's video PID, kernel receive times).
//   watch: V viewers on each of C channels, one measured window: what the viewers got and what the
//          server process cost in it.
//   zap:   one viewer that changes channel every S seconds: time to the first keyframe per zap,
//          for channels nobody watched (cold) and for channels left shortly before (warm, in linger).
// Prints key=value lines on stdout, for the script to read. Single-threaded but for the load
// client's own threads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"
#include "common/net/url.h"
#include "test/bench/load_client.h"
#include "test/bench/media_file.h"
#include "test/bench/stats.h"
#include "test/bench/step.h"

namespace {
constexpr const char* kUsage =
    "usage: lineup_client watch HOST:PORT --stream FILE --channels C [--first N] [--per-channel V]\n"
    "                     --server-pid PID [--seconds S] [--rate R] [--threads T]\n"
    "       lineup_client zap HOST:PORT --first N --zaps Z [--interval S]\n"
    "Viewers of /chN.ts on HOST:PORT.\n"
    "  watch  V (default 3) viewers on each of the C channels from N (default 1), arriving R a second\n"
    "         (default 100; viewer i watches channel N + i mod C, so the first C connects start every\n"
    "         channel); after a 2 s settle, a window of S seconds (default 30). A viewer is at real time\n"
    "         when it got >= 95% of FILE's rate (by its PCRs) over the window. --server-pid: the\n"
    "         server process, whose CPU seconds and RSS in the window are reported.\n"
    "  zap    Z channels from N, each one cold (nobody watched it yet), and between two of them a zap\n"
    "         back to the one before the last, left about 2 x S seconds earlier (warm while linger lasts):\n"
    "         C0 C1 C0 C2 C1 C3 C2 ..., 2Z - 1 zaps, one every S seconds (default 3) on average:\n"
    "         S - 0.5 to S + 0.5, so that the zaps fall at every point of the channels' GOP, as a\n"
    "         person's do. Per zap the time from connect() to the response head, the first body byte\n"
    "         and the packet starting the first video keyframe.\n";

struct Options {
    std::string mode;
    std::string host;
    uint16_t port = 0;
    std::string stream;
    unsigned first = 1;
    unsigned channels = 0;
    unsigned per_channel = 3;
    double seconds = 30;
    double rate = 100;
    unsigned threads = 2;
    pid_t server_pid = 0;
    unsigned zaps = 0;
    double interval = 3;
};

bool parse_args(int argc, char** argv, Options& o) {
    if (argc < 3) return false;
    o.mode = argv[1];
    Parsed<HostPort> hp = split_host_port(argv[2]);
    auto port = hp ? parse_port_number(hp->port) : std::nullopt;
    if (!port) return false;
    o.host = hp->host;
    o.port = *port;
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        const char* value = argv[i + 1];
        const unsigned number = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        if (arg == "--stream") o.stream = value;
        else if (arg == "--channels") o.channels = number;
        else if (arg == "--first") o.first = number;
        else if (arg == "--per-channel") o.per_channel = number;
        else if (arg == "--seconds") o.seconds = std::strtod(value, nullptr);
        else if (arg == "--rate") o.rate = std::strtod(value, nullptr);
        else if (arg == "--threads") o.threads = number;
        else if (arg == "--server-pid") o.server_pid = static_cast<pid_t>(number);
        else if (arg == "--zaps") o.zaps = number;
        else if (arg == "--interval") o.interval = std::strtod(value, nullptr);
        else return false;
    }
    if ((argc - 3) % 2 != 0) return false;
    if (o.mode == "watch")
        return !o.stream.empty() && o.channels > 0 && o.per_channel > 0 && o.seconds > 0 && o.server_pid > 0;
    return o.mode == "zap" && o.zaps > 0 && o.interval >= 1;
}

std::string channel_path(unsigned channel) { return "/ch" + std::to_string(channel) + ".ts"; }

LoadTarget make_target(const Options& o, unsigned channel) {
    LoadTarget t;
    std::string error;
    if (!resolve_address(o.host, o.port, SOCK_STREAM, t.address, t.address_len, error)) {
        std::fprintf(stderr, "lineup_client: %s\n", error.c_str());
        std::exit(2);
    }
    t.request = "GET " + channel_path(channel) + " HTTP/1.1\r\nHost: " + join_host_port(o.host, o.port) +
                "\r\nUser-Agent: restreamer-lineup\r\n\r\n";
    return t;
}

// "reason:count,reason:count" with spaces made underscores, so that the value stays one word.
std::string failure_list(const std::map<std::string, std::size_t>& failures) {
    std::string out;
    for (const auto& [reason, count] : failures) {
        if (!out.empty()) out += ',';
        for (char c : reason) out += c == ' ' ? '_' : c;
        out += ':' + std::to_string(count);
    }
    return out.empty() ? "none" : out;
}

int watch(const Options& o) {
    std::string error;
    const std::optional<double> bps = ts_file_bitrate(o.stream, error);
    if (!bps) {
        std::fprintf(stderr, "lineup_client: %s: %s\n", o.stream.c_str(), error.c_str());
        return 2;
    }
    std::vector<LoadTarget> targets;
    for (unsigned c = 0; c < o.channels; ++c) targets.push_back(make_target(o, o.first + c));
    StepSettings s;
    s.clients = std::size_t(o.channels) * o.per_channel;
    s.threads = o.threads;
    s.rate = o.rate;
    s.window_s = o.seconds;
    s.expected_bps = *bps;
    s.held_fraction = 0.95;
    s.ramp_grace_s = 15;  // a cold channel's first viewer waits up to a GOP, and then some, for its keyframe
    StopSignal never;  // the script ends this process with the run, not in the middle of a step
    const StepResult r = run_step(targets, o.server_pid, nullptr, s, never);
    std::printf("viewers=%zu answered=%zu at_real_time=%zu slowest_pct=%.1f cc_errors=%llu sync_losses=%llu "
                "stream_mbps=%.3f window_s=%.1f window_mb=%.1f delivered_mbps=%.1f ramp_s=%.2f\n",
                r.attempted, r.answered, r.held, r.slowest_percent(), (unsigned long long)r.cc_errors,
                (unsigned long long)r.sync_losses, *bps / 1e6, r.window_s, double(r.window_bytes) / 1e6, r.mbps(),
                r.ramp_s);
    std::printf("server_cpu_s=%.2f server_user_s=%.2f cpu_s_per_gb=%.3f server_rss_kib=%llu client_cpu_s=%.2f "
                "machine_busy_cores=%.2f keyframe_p50_ms=%.1f keyframe_p99_ms=%.1f failures=%s\n",
                r.server_cpu_s, r.server_user_s, r.cpu_s_per_gb(), (unsigned long long)r.rss_after_kib, r.bench_cpu_s,
                r.machine_busy, r.keyframe_ms.p50, r.keyframe_ms.p99, failure_list(r.failures).c_str());
    return 0;
}

// The channel of zap z: C0, C1, C0, C2, C1, C3, C2, ... The first and every odd zap go to the next cold
// channel; every other one goes back to the channel watched three zaps before, left two intervals
// earlier (C0: one), so it is warm while linger exceeds two intervals (at most 2 S + 1 s).
unsigned zap_channel(const Options& o, unsigned z, bool& cold) {
    cold = z == 0 || z % 2 == 1;
    return o.first + (cold ? (z + 1) / 2 : z / 2 - 1);
}

int zap(const Options& o) {
    std::vector<double> keyframe[2], first_byte[2];  // [0] warm, [1] cold
    unsigned missing = 0;
    double keyframe_lag_max = 0;  // the most the keyframe came after the first body byte
    uint64_t cc_errors = 0;
    // Every channel carries the same stream in step: at exactly S seconds apart, every cold zap would
    // meet the GOP at the same point (S = 3, GOP 2 s: every other zap). Fixed seed: runs compare.
    std::mt19937 random(17);
    std::uniform_real_distribution<double> interval(o.interval - 0.5, o.interval + 0.5);
    for (unsigned z = 0; z < 2 * o.zaps - 1; ++z) {
        bool cold = false;
        const unsigned channel = zap_channel(o, z, cold);
        LoadClients viewer(make_target(o, channel), 1, 1, 0);
        std::this_thread::sleep_for(std::chrono::duration<double>(interval(random)));
        viewer.stop();  // the previous channel is closed before the next is opened, as a player zaps
        const ViewerResult v = viewer.results().front();
        std::printf("zap=%u path=%s kind=%s head_ms=%.1f first_byte_ms=%.1f keyframe_ms=%.1f bytes=%llu cc_errors=%llu%s%s\n",
                    z + 1, channel_path(channel).c_str(), cold ? "cold" : "warm", v.head_ms, v.first_byte_ms,
                    v.keyframe_ms, (unsigned long long)v.bytes, (unsigned long long)v.cc_errors,
                    v.failure.empty() ? "" : " failure=", v.failure.c_str());
        std::fflush(stdout);
        cc_errors += v.cc_errors;
        if (v.keyframe_ms < 0) {
            ++missing;
            continue;
        }
        keyframe[cold].push_back(v.keyframe_ms);
        first_byte[cold].push_back(v.first_byte_ms);
        // 0 when PAT, PMT and the keyframe's first packet came in the first read (the same kernel stamp).
        keyframe_lag_max = std::max(keyframe_lag_max, v.keyframe_ms - v.first_byte_ms);
    }
    for (int cold = 1; cold >= 0; --cold) {
        const Percentiles k = percentiles(keyframe[cold]), b = percentiles(first_byte[cold]);
        const char* kind = cold ? "cold" : "warm";
        std::printf("%s_zaps=%zu %s_keyframe_p50_ms=%.1f %s_keyframe_p99_ms=%.1f %s_keyframe_max_ms=%.1f "
                    "%s_first_byte_p50_ms=%.1f %s_first_byte_p99_ms=%.1f\n",
                    kind, k.count, kind, k.p50, kind, k.p99, kind, k.max, kind, b.p50, kind, b.p99);
    }
    std::printf("zaps_without_keyframe=%u keyframe_after_first_byte_max_ms=%.1f zap_cc_errors=%llu\n", missing,
                keyframe_lag_max, (unsigned long long)cc_errors);
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    return o.mode == "watch" ? watch(o) : zap(o);
}
