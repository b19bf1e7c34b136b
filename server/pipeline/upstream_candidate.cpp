// upstream_candidate.cpp - connect, read, frame, judge, keep from the PAT before the latest keyframe;
// ready, failed, or taken over.
#include "server/pipeline/upstream_candidate.h"

#include <cstdint>

using namespace std::chrono;

namespace {
// More than any GOP of a live stream: a connection that sends this much without a keyframe is not
// one a viewer can switch to.
constexpr std::size_t kMaxKeptBytes = 64 << 20;

std::string seconds_text(UpstreamCandidate::Clock::duration d) {
    const auto ms = duration_cast<milliseconds>(d).count();
    return std::to_string(ms / 1000) + (ms % 1000 >= 100 ? "." + std::to_string(ms % 1000 / 100) : "") + " s";
}
}  // namespace

UpstreamCandidate::UpstreamCandidate(Settings settings) : settings_(std::move(settings)), thread_([this] { run(); }) {}

UpstreamCandidate::~UpstreamCandidate() {
    stop_.signal();
    if (thread_.joinable()) thread_.join();
}

std::string UpstreamCandidate::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

std::optional<UpstreamCandidate::Handover> UpstreamCandidate::take(const UpstreamOptions& options) {
    stop_.signal();
    thread_.join();
    // A read that the stop cut short consumed nothing: the connection goes on where the thread left it.
    if (status() != Status::ready || !handover_.upstream) return std::nullopt;
    handover_.upstream->rebind(options);
    return std::move(handover_);
}

void UpstreamCandidate::fail(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = reason;
    status_.store(Status::failed, std::memory_order_release);
}

void UpstreamCandidate::run() {
    UpstreamOptions options = settings_.options;
    options.stop_fd = stop_.fd();
    std::string error;
    handover_.upstream = open_upstream(settings_.remote, options, error);
    if (!handover_.upstream) {
        if (!stop_.is_signalled()) fail(error);
        return;
    }
    const std::string reason = read(*handover_.upstream);
    if (reason.empty()) return;
    handover_.upstream.reset();
    fail(reason);
}

std::string UpstreamCandidate::read(Upstream& upstream) {
    const auto start = Clock::now();
    ContentHealth health(settings_.rules, start);
    std::vector<uint8_t> buf(settings_.read_size);
    std::vector<uint8_t>& kept = handover_.packets;
    for (;;) {
        if (status() == Status::trying && Clock::now() - start > settings_.deadline)
            return health.verdict().value_or("no keyframe within " + seconds_text(settings_.deadline));
        const long n = upstream.read(buf.data(), buf.size());
        // Bytes read as the stop came are kept: the reader that takes over must not miss them.
        if (n <= 0 && stop_.is_signalled()) return {};
        if (n == 0) return "end of stream";
        if (n < 0) return upstream.error();
        const std::size_t before = kept.size();
        handover_.framer.push(buf.data(), std::size_t(n), kept);
        const auto now = Clock::now();
        health.feed(kept.data() + before, kept.size() - before, now);
        if (status() == Status::ready && health.verdict()) return *health.verdict();
        // Kept: from the PAT before the latest keyframe once there is one, else from the last PAT
        // (nothing before the first): older packets start no viewer.
        const std::size_t since_pat = health.packets_since_pat().value_or(0) * ts::kPacketSize;
        const std::size_t since_keyframe_pat = health.packets_since_keyframe_pat().value_or(SIZE_MAX / 2) * ts::kPacketSize;
        const bool startable = since_keyframe_pat <= kept.size();
        const std::size_t keep = startable ? since_keyframe_pat : since_pat;
        kept.erase(kept.begin(), kept.end() - long(std::min(keep, kept.size())));
        if (kept.size() > kMaxKeptBytes) return "no keyframe in " + std::to_string(kMaxKeptBytes >> 20) + " MiB";
        if (startable && !health.failing() && health.healthy_for(now) >= settings_.must_be_healthy)
            status_.store(Status::ready, std::memory_order_release);
        if (stop_.is_signalled()) return {};
    }
}
