// rig.cpp - start-up order (source, then per server: tap, process, stream up, edge viewer), the
// server's configuration, and the wait for a server to be idle again after a step.
#include "rig.h"


#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "common/net/url.h"
#include "http_request.h"
#include "phase_probe.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kStartTimeout{10000};
constexpr milliseconds kGoneTimeout{30000};
constexpr const char* kPath = "/bench.ts";          // what the viewers ask bin/server and the floor for
constexpr const char* kSourcePath = "/stream.ts";   // bin/source's default
constexpr std::size_t kSpareConnections = 16;       // the probes' viewers, above the largest step

// Polls `done` until it holds (true), `timeout` passes (false) or the bench is interrupted (throws).
bool wait_until(const std::function<bool()>& done, milliseconds timeout, const StopSignal& interrupt) {
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
        if (steady_clock::now() > deadline) return false;
        if (interrupt.wait_for(milliseconds(50))) throw Interrupted{};
    }
    return true;
}

std::optional<Endpoint> parse_endpoint(const std::string& address) {
    Parsed<HostPort> hp = split_host_port(address);
    auto port = hp ? parse_port_number(hp->port) : std::nullopt;
    if (!port) return std::nullopt;
    return Endpoint{hp->host, *port};
}

LoadTarget make_target(const Endpoint& ep, const std::string& path = kPath) {
    LoadTarget t;
    std::string error;
    if (!resolve_address(ep.host, ep.port, SOCK_STREAM, t.address, t.address_len, error))
        throw std::runtime_error(error);
    t.request = "GET " + path + " HTTP/1.1\r\nHost: " + join_host_port(ep.host, ep.port) +
                "\r\nUser-Agent: restreamer-bench\r\n\r\n";
    return t;
}

// This program's own file, so that `ps` names the floor server by it.
std::string self_path() {
    std::error_code ec;
    std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "/proc/self/exe" : path.string();
}

std::string write_server_config(const RigSettings& s, const std::string& upstream) {
    std::string path = s.work_dir + "/server-" + s.label + ".json";
    std::ofstream out(path);
    out << "{\n  \"\": \"written by bin/bench\",\n  \"listen\": \"127.0.0.1:0\",\n  \"timeout\": 5,\n"
        << "  \"reconnect\": 1,\n  \"maxconnections\": " << s.max_viewers + kSpareConnections << ",\n"
        << "  \"resources\": [\n    { \"type\": \"stream\", \"serve\": \"" << kPath << "\", \"remote\": \"" << upstream << "\"";
    if (s.hls_segment_s > 0) out << ",\n      \"hls\": { \"serve\": \"" << kHlsPrefix << "\", \"segment\": " << s.hls_segment_s << " }";
    out << " }\n  ]\n}\n";
    if (!out) throw std::runtime_error("cannot write " + path);
    return path;
}
}  // namespace

Rig::Rig(const RigSettings& s, const StopSignal& interrupt) : interrupt_(interrupt) {
    source_ = std::make_unique<ChildProcess>(std::vector<std::string>{s.bin_dir + "/source", "--listen", "127.0.0.1:0", s.stream},
                                             s.work_dir + "/source-" + s.label + ".log");
    const Endpoint source = start_listening(*source_, "bin/source");
    add_contender("server", source, s.work_dir + "/server-" + s.label + ".log", [&](const std::string& upstream) {
        return std::vector<std::string>{s.bin_dir + "/server", write_server_config(s, upstream)};
    });
    if (!s.floor) return;
    add_contender("floor", source, s.work_dir + "/floor-" + s.label + ".log", [](const std::string& upstream) {
        return std::vector<std::string>{self_path(), "--floor-server", "--upstream", upstream};
    });
}

void Rig::add_contender(const std::string& name, const Endpoint& source, const std::string& log_path,
                        const std::function<std::vector<std::string>(const std::string& upstream)>& argv) {
    auto c = std::make_unique<Contender>();
    c->name = name;
    c->edge = std::make_unique<LiveEdgeProbe>(source.host, source.port);
    const std::string upstream = "http://127.0.0.1:" + std::to_string(c->edge->tap_port()) + kSourcePath;
    c->process = std::make_unique<ChildProcess>(argv(upstream), log_path);
    c->endpoint = start_listening(*c->process, name);
    wait_serving(*c);
    contenders_.push_back(std::move(c));
}

Endpoint Rig::start_listening(ChildProcess& child, const std::string& name) {
    auto address = wait_for_listening(child, interrupt_, kStartTimeout);
    if (interrupt_.is_signalled()) throw Interrupted{};
    auto ep = address ? parse_endpoint(*address) : std::nullopt;
    if (!ep) throw std::runtime_error(name + " did not start; see " + child.log_path());
    return *ep;
}

// The stream answers 200; then the live-edge viewer joins, to stay through every step.
void Rig::wait_serving(Contender& c) {
    auto serving = [&] {
        HttpResponseHead head;
        std::vector<uint8_t> body;
        std::string error;
        return http_request(c.endpoint.host, c.endpoint.port, "HEAD", kPath, milliseconds(2000), head, body, error) &&
               head.status == 200;
    };
    if (!wait_until(serving, kStartTimeout, interrupt_))
        throw std::runtime_error(c.name + " never served " + kPath + "; see " + c.process->log_path());
    c.target = make_target(c.endpoint);
    c.edge->watch(c.endpoint.host, c.endpoint.port, kPath);
}

StepResult Rig::measure(Contender& c, const StepSettings& settings, std::optional<double> phase_ms,
                        const std::vector<std::string>& queries) {
    if (phase_ms) {
        if (auto error = wait_for_live_keyframe(c.endpoint.host, c.endpoint.port, kPath, kStartTimeout))
            throw std::runtime_error(*error);
        if (interrupt_.wait_for(milliseconds(static_cast<long>(*phase_ms)))) throw Interrupted{};
    }
    const std::size_t idle_fds = process_fd_count(c.process->pid());
    std::vector<LoadTarget> targets;
    for (const std::string& query : queries) targets.push_back(make_target(c.endpoint, kPath + query));
    if (targets.empty()) targets.push_back(c.target);
    StepResult r = run_step(targets, c.process->pid(), c.edge.get(), settings, interrupt_);
    wait_idle(c, idle_fds);
    return r;
}

HlsStepResult Rig::measure_hls(Contender& c, const HlsStepSettings& settings) {
    HlsTarget target;
    target.address = c.target.address;
    target.address_len = c.target.address_len;
    target.host = c.endpoint.host;
    target.port = c.endpoint.port;
    target.prefix = kHlsPrefix;
    const std::size_t idle_fds = process_fd_count(c.process->pid());
    HlsStepResult r = run_hls_step(target, c.process->pid(), *c.edge, settings, interrupt_);
    wait_idle(c, idle_fds);
    return r;
}

// The next step starts from an idle server: every descriptor the step's viewers took is closed.
void Rig::wait_idle(Contender& c, std::size_t idle_fds) {
    const pid_t pid = c.process->pid();
    if (!wait_until([&] { return process_fd_count(pid) <= idle_fds; }, kGoneTimeout, interrupt_))
        std::printf("  warning: %s still holds %zu descriptors more than before the step, %lld s after it\n",
                    c.name.c_str(), process_fd_count(pid) - idle_fds, static_cast<long long>(kGoneTimeout.count() / 1000));
    if (!c.process->running()) throw std::runtime_error(c.name + " exited; see " + c.process->log_path());
}
