// bench_main.cpp - bin/bench: bin/server against the floor (a simple fan-out of the bench's own) on a
// paced 8 Mbit/s and a 1 Mbit/s stream, run --runs times; a summary table of medians at the end.
// `bin/bench --floor-server ...` runs the floor itself (floor_server.h). Main thread, plus the signal handler.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "floor_server.h"
#include "media_file.h"
#include "options.h"
#include "step.h"
#include "suite.h"
#include "summary.h"

namespace {
// The signal handler can only reach the stop signal through a global; signal() on it is one write().
StopSignal* g_interrupt = nullptr;
volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_sender = 0;
void on_signal(int signal, siginfo_t* info, void*) {
    g_signal = signal;
    g_sender = info ? info->si_pid : 0;
    if (g_interrupt) g_interrupt->signal();
}

// The sender's command line, to tell a Ctrl-C from a stray kill.
std::string describe_sender() {
    std::ifstream in("/proc/" + std::to_string(g_sender) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    return "pid " + std::to_string(g_sender) + (cmdline.empty() ? "" : " (" + cmdline + ")");
}

// As high as allowed, up to 65536: the load clients hold a socket per viewer, and bin/server and the
// floor, which inherit the limit, one more each.
rlim_t raise_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    rlimit wanted{65536, std::max<rlim_t>(limit.rlim_max, 65536)};
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) return wanted.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

std::string first_line_with(const std::string& path, const std::string& prefix) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(line.find(':') + 1);
    return "";
}

long read_long(const std::string& path) {
    std::ifstream in(path);
    long v = -1;
    in >> v;
    return v;
}

std::size_t largest_step(const Options& o) {
    std::size_t n = std::max(o.storm, o.many);
    for (std::size_t c : o.clients) n = std::max(n, c);
    return n;
}

// The kernel limits a thread-per-viewer server meets first; a warning where one is too low.
void print_limits(const Options& o, rlim_t fd_limit) {
    const std::size_t viewers = largest_step(o);
    const long pid_max = read_long("/proc/sys/kernel/pid_max");
    const long threads_max = read_long("/proc/sys/kernel/threads-max");
    const long map_count = read_long("/proc/sys/vm/max_map_count");
    std::printf("limits: open files %llu (bench, servers), kernel.pid_max %ld, kernel.threads-max %ld, vm.max_map_count %ld\n",
                static_cast<unsigned long long>(fd_limit), pid_max, threads_max, map_count);
    // Each viewer is a socket in the bench and one in the server; a thread, with a stack and its
    // guard page (two mappings), in a thread-per-connection server.
    if (fd_limit < viewers + 256)
        std::printf("  warning: %zu viewers need more open files than %llu\n", viewers, static_cast<unsigned long long>(fd_limit));
    if (pid_max < long(viewers) + 1000 || threads_max < long(viewers) + 1000)
        std::printf("  warning: %zu threads may not fit under kernel.pid_max / kernel.threads-max\n", viewers);
    if (map_count < 2 * long(viewers) + 1000)
        std::printf("  warning: %zu thread stacks may not fit under vm.max_map_count\n", viewers);
}

void print_header(const Options& o, const StreamRates& rates, rlim_t fd_limit) {
    utsname u{};
    ::uname(&u);
    char date[64];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
    std::printf("restreamer bench  %s\n", date);
    std::printf("machine: %ld CPUs,%s, %s %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
                first_line_with("/proc/cpuinfo", "model name").c_str(), u.sysname, u.release);
    print_limits(o, fd_limit);
    std::printf("streams: %s at %.2f Mbit/s, %s at %.2f Mbit/s (by their PCRs), each played by bin/source\n", o.stream.c_str(),
                rates.main_bps / 1e6, o.low_stream.c_str(), rates.low_bps / 1e6);
    std::printf("%u run%s; %u load threads at normal priority; steps: ramp, %.1f s settle, window (%.1f s; %.1f s for "
                "the %zu viewers of the low-rate stream)\n\n",
                o.runs, o.runs == 1 ? "" : "s", o.threads, o.settle, o.seconds, o.many_seconds, o.many);
    std::fflush(stdout);
}

double rate_of(const std::string& path) {
    std::string error;
    auto bps = ts_file_bitrate(path, error);
    if (!bps) throw std::runtime_error(error);
    return *bps;
}

int run(const Options& o, const StopSignal& interrupt) {
    const bool low_needed = o.many > 0 || o.edge_seconds > 0;
    for (const std::string& file : {o.bin_dir + "/server", o.bin_dir + "/source", o.stream})
        if (::access(file.c_str(), R_OK) != 0) throw std::runtime_error(file + ": " + std::strerror(errno));
    if (low_needed && ::access(o.low_stream.c_str(), R_OK) != 0)
        throw std::runtime_error(o.low_stream + ": " + std::strerror(errno) + " (make it with test/make_sample.sh, or --many 0 --edge-seconds 0)");
    if (o.programs > 0 && ::access(o.mpts_stream.c_str(), R_OK) != 0)
        throw std::runtime_error(o.mpts_stream + ": " + std::strerror(errno) + " (make bench-programs makes it)");
    std::filesystem::create_directories(o.work_dir);
    const StreamRates rates{rate_of(o.stream), low_needed ? rate_of(o.low_stream) : 0};
    print_header(o, rates, raise_fd_limit());
    std::vector<Figures> runs;
    for (unsigned i = 1; i <= o.runs; ++i) {
        std::printf("== run %u of %u (logs and configs in %s/)\n", i, o.runs, o.work_dir.c_str());
        runs.push_back(run_suite(o, rates, interrupt));
    }
    print_summary(o, rates, runs);
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--floor-server") == 0) return floor_server_main(argc, argv);
    Options options;
    std::string error;
    if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (!parse_options(argc, argv, options, error)) {
        std::fprintf(stderr, "bench: %s\n%s", error.c_str(), kUsage);
        return 2;
    }
    StopSignal interrupt;
    g_interrupt = &interrupt;
    struct sigaction action {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run(options, interrupt);
    } catch (const Interrupted&) {
        std::fprintf(stderr, "bench: interrupted by %s from %s; stopping the child processes\n", strsignal(g_signal),
                     describe_sender().c_str());
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench: %s\n", e.what());
        return 1;
    }
}
