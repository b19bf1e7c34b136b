// bench_main.cpp - bin/bench: bin/server against the floor (a minimal fan-out of the bench's own) at
// growing numbers of viewers of one paced 8 Mbit/s stream; one table row per step.
// `bin/bench --floor-server ...` runs the floor itself (floor_server.h).
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/net/url.h"
#include "floor_server.h"
#include "http_request.h"
#include "phase_probe.h"
#include "processes.h"
#include "report.h"
#include "step.h"

namespace {
using namespace std::chrono;

constexpr const char* kUsage =
    "usage: bench [--clients N,N,...] [--seconds S] [--settle S] [--threads T] [--burst B] [--rate R]\n"
    "             [--nice N] [--mbps R] [--phase MS] [--stream FILE] [--bin DIR] [--work-dir DIR] [--no-floor]\n"
    "  --clients   viewer counts, one step each (default 1,100,500,1000,2000)\n"
    "  --seconds   measurement window per step (default 12)\n"
    "  --settle    seconds between the ramp's end and the window (default 2)\n"
    "  --threads   load-client threads (default 2)\n"
    "  --burst     connections at most between connect() and the response head (default 256)\n"
    "  --rate      new viewers per second, evenly spaced, as viewers arriving on their own would\n"
    "              (default 0: a join storm, each viewer connecting as soon as --burst allows)\n"
    "  --nice      nice value of the load threads, so the server cannot starve them (default -20)\n"
    "  --mbps      the stream's rate; a viewer is held with >= 90% of it (default 8)\n"
    "  --phase     start each ramp MS ms after a live video keyframe (+-0.2 s), so that steps and\n"
    "              runs compare at the same fast-start burst (default: whenever the step comes)\n"
    "  --stream    TS file bin/source plays (default build/media/bench.ts)\n"
    "  --bin       where bin/server and bin/source are (default bin)\n"
    "  --work-dir  the server's config and the logs (default build/bench)\n"
    "  --no-floor  measure bin/server only\n"
    "bench --floor-server --upstream URL [--listen HOST:PORT]: the floor server alone\n";

constexpr milliseconds kStartTimeout{10000};
constexpr milliseconds kGoneTimeout{30000};
constexpr const char* kPath = "/bench.ts";

struct Options {
    std::vector<std::size_t> clients{1, 100, 500, 1000, 2000};
    StepSettings step;
    std::string stream = "build/media/bench.ts";
    std::string bin_dir = "bin";
    std::string work_dir = "build/bench";
    bool floor = true;
    std::optional<double> phase_ms;  // ramps start this long after a live keyframe
};

std::optional<double> parse_number(const std::string& text) {
    try {
        std::size_t used = 0;
        double v = std::stod(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--no-floor") {
            o.floor = false;
            continue;
        }
        if (i + 1 >= argc) return error = arg + " needs a value", false;
        std::string value = argv[++i];
        std::optional<double> number = parse_number(value);
        if (arg == "--clients") {
            o.clients.clear();
            for (std::size_t start = 0; start <= value.size();) {
                std::size_t comma = std::min(value.find(',', start), value.size());
                auto n = parse_number(value.substr(start, comma - start));
                if (!n || *n < 1) return error = "--clients: not a list of counts: " + value, false;
                o.clients.push_back(std::size_t(*n));
                start = comma + 1;
            }
        } else if (arg == "--stream") o.stream = value;
        else if (arg == "--bin") o.bin_dir = value;
        else if (arg == "--work-dir") o.work_dir = value;
        else if (!number) return error = arg + ": not a number: " + value, false;
        else if (arg == "--seconds" && *number > 0) o.step.window_s = *number;
        else if (arg == "--settle" && *number >= 0) o.step.settle_s = *number;
        else if (arg == "--threads" && *number >= 1) o.step.threads = unsigned(*number);
        else if (arg == "--burst" && *number >= 1) o.step.burst = std::size_t(*number);
        else if (arg == "--rate" && *number >= 0) o.step.rate = *number;
        else if (arg == "--nice" && *number >= -20 && *number <= 19) o.step.nice = int(*number);
        else if (arg == "--mbps" && *number > 0) o.step.expected_bps = *number * 1e6;
        else if (arg == "--phase" && *number >= 0) o.phase_ms = *number;
        else return error = "unknown option or bad value: " + arg + " " + value, false;
    }
    return true;
}

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

// As high as allowed, up to 65536; bin/server and the floor inherit it.
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

// Tried on a throwaway thread: the nice value is per thread, and the children must not inherit it.
bool can_set_nice(int nice) {
    bool ok = false;
    std::thread([&] { ok = ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) == 0; }).join();
    return ok;
}

void print_header(const Options& o, rlim_t fd_limit) {
    utsname u{};
    ::uname(&u);
    char date[64];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
    std::error_code ec;
    auto size = std::filesystem::file_size(o.stream, ec);
    std::printf("restreamer bench  %s\n", date);
    std::printf("machine: %ld CPUs,%s, %s %s, fd limit %llu\n", ::sysconf(_SC_NPROCESSORS_ONLN),
                first_line_with("/proc/cpuinfo", "model name").c_str(), u.sysname, u.release,
                static_cast<unsigned long long>(fd_limit));
    std::printf("stream: %s (%.1f MiB), played by bin/source paced at %.1f Mbit/s\n", o.stream.c_str(),
                double(size) / 1048576, o.step.expected_bps / 1e6);
    std::printf("per step: ramp, %.0f s settle, %.0f s window; %u load threads at nice %d%s\n\n", o.step.settle_s,
                o.step.window_s, o.step.threads, o.step.nice, can_set_nice(o.step.nice) ? "" : " (NOT ALLOWED: left at 0)");
    if (o.step.rate > 0) std::printf("viewers arrive at %.0f a second, evenly spaced (at most %zu connecting at once)\n\n", o.step.rate, o.step.burst);
    else std::printf("each ramp is a join storm: %zu connecting at once\n\n", o.step.burst);
    if (o.phase_ms) std::printf("each ramp starts %.0f ms after a live video keyframe\n\n", *o.phase_ms);
    std::fflush(stdout);
}

struct Endpoint {
    std::string host;
    uint16_t port = 0;
};

std::optional<Endpoint> parse_endpoint(const std::string& address) {
    HostPort hp = split_host_port(address);
    auto port = parse_port_number(hp.port);
    if (!hp.error.empty() || !port) return std::nullopt;
    return Endpoint{hp.host, *port};
}

// Returns o.phase_ms after the next live keyframe of the stream at `ep` (at once without --phase).
void at_phase(const Options& o, const Endpoint& ep, const StopSignal& interrupt) {
    if (!o.phase_ms) return;
    if (auto error = wait_for_live_keyframe(ep.host, ep.port, kPath, milliseconds(10000))) throw std::runtime_error(*error);
    if (interrupt.wait_for(milliseconds(static_cast<long>(*o.phase_ms)))) throw Interrupted{};
}

LoadTarget make_target(const Endpoint& ep) {
    LoadTarget t;
    std::string error;
    if (!resolve_address(ep.host, ep.port, SOCK_STREAM, t.address, t.address_len, error))
        throw std::runtime_error(error);
    t.request = std::string("GET ") + kPath + " HTTP/1.1\r\nHost: " + join_host_port(ep.host, ep.port) +
                "\r\nUser-Agent: restreamer-bench\r\n\r\n";
    return t;
}

// Polls `done` until it holds (true), `timeout` passes (false) or the bench is interrupted (throws).
bool wait_until(const std::function<bool()>& done, milliseconds timeout, const StopSignal& interrupt) {
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
        if (steady_clock::now() > deadline) return false;
        if (interrupt.wait_for(milliseconds(50))) throw Interrupted{};
    }
    return true;
}

// A started child that logged its listening address.
Endpoint start_listening(ChildProcess& child, const char* name, const StopSignal& interrupt) {
    auto address = wait_for_listening(child, interrupt, kStartTimeout);
    if (interrupt.is_signalled()) throw Interrupted{};
    auto ep = address ? parse_endpoint(*address) : std::nullopt;
    if (!ep) throw std::runtime_error(std::string(name) + " did not start; see " + child.log_path());
    return *ep;
}

// This program's own file, so that `ps` names the floor server by it.
std::string self_path() {
    std::error_code ec;
    std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "/proc/self/exe" : path.string();
}

std::string write_server_config(const Options& o, const Endpoint& source) {
    std::string path = o.work_dir + "/server.json";
    std::ofstream out(path);
    out << "{\n  \"\": \"written by bin/bench\",\n  \"listen\": \"127.0.0.1:0\",\n  \"timeout\": 5,\n"
        << "  \"reconnect\": 1,\n  \"maxconnections\": 5000,\n  \"resources\": [\n"
        << "    { \"type\": \"stream\", \"serve\": \"" << kPath << "\", \"remote\": \"http://"
        << join_host_port(source.host, source.port) << "/stream.ts\" }\n  ]\n}\n";
    if (!out) throw std::runtime_error("cannot write " + path);
    return path;
}

int run(const Options& o, const StopSignal& interrupt) {
    for (const std::string& file : {o.bin_dir + "/server", o.bin_dir + "/source", o.stream})
        if (::access(file.c_str(), R_OK) != 0) throw std::runtime_error(file + ": " + std::strerror(errno));
    std::filesystem::create_directories(o.work_dir);
    print_header(o, raise_fd_limit());

    ChildProcess source({o.bin_dir + "/source", "--listen", "127.0.0.1:0", o.stream}, o.work_dir + "/source.log");
    Endpoint source_ep = start_listening(source, "bin/source", interrupt);
    ChildProcess server({o.bin_dir + "/server", write_server_config(o, source_ep)}, o.work_dir + "/server.log");
    Endpoint server_ep = start_listening(server, "bin/server", interrupt);
    std::optional<ChildProcess> floor;
    Endpoint floor_ep;
    if (o.floor) {
        std::string upstream = "http://" + join_host_port(source_ep.host, source_ep.port) + "/stream.ts";
        floor.emplace(std::vector<std::string>{self_path(), "--floor-server", "--upstream", upstream},
                      o.work_dir + "/floor.log");
        floor_ep = start_listening(*floor, "the floor server", interrupt);
    }
    auto stream_up = [&] {
        HttpResponseHead head;
        std::vector<uint8_t> body;
        std::string error;
        return http_request(server_ep.host, server_ep.port, "HEAD", kPath, milliseconds(2000), head, body, error) &&
               head.status == 200;
    };
    if (!wait_until(stream_up, kStartTimeout, interrupt)) throw std::runtime_error("bin/server never served " + std::string(kPath));
    std::printf("logs and config in %s/; server pid %d, floor pid %d, source pid %d\n\n", o.work_dir.c_str(),
                server.pid(), floor ? floor->pid() : 0, source.pid());
    std::fflush(stdout);

    LoadTarget server_target = make_target(server_ep);
    std::optional<LoadTarget> floor_target;
    if (floor) floor_target = make_target(floor_ep);
    LogCounter server_log(server.log_path());
    std::vector<ReportRow> rows;
    for (std::size_t n : o.clients) {
        StepSettings settings = o.step;
        settings.clients = n;
        ReportRow row;
        at_phase(o, server_ep, interrupt);
        row.ours = run_step(server_target, server.pid(), settings, interrupt);
        print_step("server", n, row.ours);
        // The next step starts from an idle server: every viewer it logged as connected has left.
        auto server_idle = [&] { return server_log.count("client_disconnected") >= server_log.count("client_connected"); };
        if (!wait_until(server_idle, kGoneTimeout, interrupt))
            std::printf("  warning: the server's log still shows viewers connected after %lld s\n",
                        static_cast<long long>(kGoneTimeout.count() / 1000));
        if (!server.running()) throw std::runtime_error("bin/server exited; see " + server.log_path());
        if (floor) {
            std::size_t idle_fds = process_fd_count(floor->pid());
            at_phase(o, floor_ep, interrupt);
            row.floor = run_step(*floor_target, floor->pid(), settings, interrupt);
            print_step("floor", n, *row.floor);
            wait_until([&] { return process_fd_count(floor->pid()) <= idle_fds; }, kGoneTimeout, interrupt);
            if (!floor->running()) throw std::runtime_error("the floor server exited; see " + floor->log_path());
        }
        rows.push_back(std::move(row));
    }
    print_table(rows);
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
