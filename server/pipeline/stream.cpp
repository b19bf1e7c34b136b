// stream.cpp - packetize, cache the GOP, admit newcomers and fan chunks out; the viewer set.
#include "server/pipeline/stream.h"

#include <algorithm>

#include "common/log.h"

using namespace std::chrono;

namespace {
// A GOP longer than this is not cached: a viewer would start that far behind the live edge.
constexpr seconds kMaxGopAge{5};
}  // namespace

Stream::Stream(StreamSettings settings)
    : settings_(std::move(settings)),
      packetizer_(settings_.tr101290),
      // Half the queue: a viewer must take every cached GOP at once and still have room for the live
      // edge. ChannelSettings sizes the queue for the prebuffer (channel.cpp).
      gop_cache_(GopCacheLimits{settings_.viewer_limits.queue_bytes / 2, kMaxGopAge, settings_.prebuffer}) {}

std::shared_ptr<Viewer> Stream::attach(const std::string& address, const std::string& user) {
    auto viewer = std::make_shared<Viewer>(settings_.path, address, settings_.viewer_limits, user);
    std::lock_guard<std::mutex> lock(viewers_mutex_);
    // Under the lock: set_offline() and outage_expired() list the viewers under it after setting
    // their flag, so a viewer either sees the flag here or is listed there.
    if (!live_.load() || offline_.load()) return nullptr;
    pending_.push_back(viewer);
    viewers_.insert(viewer);
    has_pending_.store(true, std::memory_order_release);
    return viewer;
}

void Stream::detach(const std::shared_ptr<Viewer>& viewer, const std::string& reason) {
    viewer->release(reason);
    std::lock_guard<std::mutex> lock(viewers_mutex_);
    // Whether or not the reader has admitted it: pending_ and viewers_ change only under this lock.
    if (viewers_.erase(viewer) == 0) return;
    pending_.erase(std::remove(pending_.begin(), pending_.end(), viewer), pending_.end());
    departed_.packets_dropped += viewer->packets_dropped();
    departed_.bytes_sent += viewer->bytes_sent();
    departed_.viewer_time += duration_cast<nanoseconds>(viewer->connected_for());
    if (viewers_.empty()) idle_since_ = steady_clock::now();
}

void Stream::disconnect_viewers(const std::string& reason) {
    fail_start(reason);  // viewers still waiting for the start would be disconnected at once
    std::lock_guard<std::mutex> lock(viewers_mutex_);
    for (const auto& viewer : viewers_) viewer->disconnect(reason);
}

std::optional<steady_clock::time_point> Stream::idle_since() const {
    std::lock_guard<std::mutex> lock(viewers_mutex_);
    if (!viewers_.empty()) return std::nullopt;
    return idle_since_;
}

void Stream::begin_start() {
    std::lock_guard<std::mutex> lock(start_mutex_);
    start_ = StartOutcome{};
    start_open_.store(true);
}

Stream::StartOutcome Stream::wait_for_start(steady_clock::time_point deadline) const {
    std::unique_lock<std::mutex> lock(start_mutex_);
    start_settled_.wait_until(lock, deadline, [this] { return !start_open_.load(); });
    return start_;
}

void Stream::fail_start(const std::string& reason) { settle_start(false, reason); }

void Stream::settle_start(bool ready, const std::string& reason) {
    {
        std::lock_guard<std::mutex> lock(start_mutex_);
        if (!start_open_.load()) return;
        start_ = StartOutcome{ready, ready || !reason.empty() ? reason : "upstream failed"};
        start_open_.store(false);
    }
    start_settled_.notify_all();
}

bool Stream::has_first_picture() const {
    const TsInspector& inspector = packetizer_.inspector();
    if (!inspector.has_program()) return false;
    if (inspector.video_pid() == ts::kPidNull || !settings_.fast_start) return true;
    return gop_cache_.bytes() > 0;
}

void Stream::set_offline(bool offline) {
    if (offline_.exchange(offline) == offline) return;
    LogLine(LogLevel::info, offline ? "stream_set_offline" : "stream_set_online").kv("stream", settings_.path);
    if (offline) disconnect_viewers("stream set offline");
}

OutputStats Stream::stats() const {
    OutputStats s;
    {
        // Present viewers and the totals of departed ones, read together (detach() moves one into
        // the other under this lock).
        std::lock_guard<std::mutex> lock(viewers_mutex_);
        s.viewers = departed_;
        s.viewers.viewers = viewers_.size();
        for (const auto& viewer : viewers_) {
            s.viewers.packets_dropped += viewer->packets_dropped();
            s.viewers.bytes_sent += viewer->bytes_sent();
            s.viewers.viewer_time += viewer->connected_for();
        }
    }
    std::lock_guard<std::mutex> lock(output_mutex_);
    s.packetizer = counters_;
    s.gop_overflows = gop_overflows_;
    s.video_codec = video_codec_;
    s.video_pid = video_pid_;
    s.tr101290 = tr101290_;
    s.pid_rates = pid_rates_;
    s.null_ppm = null_ppm_;
    return s;
}

std::vector<ViewerInfo> Stream::viewer_infos(std::size_t max) const {
    std::vector<ViewerInfo> infos;
    {
        std::lock_guard<std::mutex> lock(viewers_mutex_);
        infos.reserve(std::min(max, viewers_.size()));
        for (const auto& viewer : viewers_) {
            if (infos.size() == max) break;
            infos.push_back(ViewerInfo{viewer->address(), viewer->user(), viewer->connected_since(),
                                       viewer->bytes_sent(), viewer->packets_dropped()});
        }
    }
    std::sort(infos.begin(), infos.end(), [](const ViewerInfo& a, const ViewerInfo& b) { return a.since < b.since; });
    return infos;
}

void Stream::upstream_connected(bool splice) {
    packetizer_.begin_upstream(splice, steady_clock::now());
    note_indicators();
    if (settings_.tap) settings_.tap->upstream_connected(splice);
    gop_cache_.clear();  // the old source's pictures must not start a viewer on the new one
    live_.store(true);
}

void Stream::upstream_lost() {
    live_.store(false);
    fan_out_.erase(std::remove_if(fan_out_.begin(), fan_out_.end(), [](const auto& v) { return v->is_disconnected(); }),
                   fan_out_.end());
}

void Stream::upstream_unavailable(const std::string& reason) { fail_start(reason); }

void Stream::outage_expired(const std::string& reason) { disconnect_viewers(reason); }

void Stream::sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors) {
    packetizer_.sync_totals(sync_losses, sync_byte_errors, steady_clock::now());
}

void Stream::packets_received(std::vector<uint8_t>&& packets) {
    chunks_.clear();
    packetizer_.push(std::move(packets), steady_clock::now(), chunks_);
    if (!packetizer_.indicator_changes().empty()) note_indicators();
    for (const ChunkRef& chunk : chunks_) {
        fan_out(chunk);
        if (settings_.tap) settings_.tap->chunk(chunk, packetizer_.inspector());
    }
    if (packetizer_.take_program_change()) note_program();
    if (start_open_.load(std::memory_order_relaxed) && has_first_picture()) settle_start(true, {});
    std::lock_guard<std::mutex> lock(output_mutex_);
    counters_ = packetizer_.counters();
    gop_overflows_ = gop_cache_.overflows();
    copy_indicators();
}

void Stream::copy_indicators() {
    const Tr101290Monitor& monitor = packetizer_.monitor();
    tr101290_ = monitor.counts();
    if (monitor.rates_generation() == rates_generation_) return;  // the PID list changes once a second
    rates_generation_ = monitor.rates_generation();
    pid_rates_ = monitor.pid_rates();
    null_ppm_ = monitor.null_ppm();
}

void Stream::note_indicators() {
    std::vector<Tr101290Change>& changes = packetizer_.indicator_changes();
    for (const Tr101290Change& change : changes) {
        LogLine line(change.started ? LogLevel::warn : LogLevel::info,
                     change.started ? "tr101290_error_started" : "tr101290_error_stopped");
        line.kv("stream", settings_.path).kv("indicator", to_string(change.indicator)).kv("reason", change.reason);
        if (!change.started) line.kv("errors", change.errors);
    }
    changes.clear();
}

void Stream::fan_out(const ChunkRef& chunk) {
    gop_cache_.append(chunk);
    for (std::size_t i = 0; i < fan_out_.size();) {
        if (fan_out_[i]->offer(chunk, chunk->arrived)) {
            ++i;
            continue;
        }
        fan_out_[i] = std::move(fan_out_.back());  // it has ended
        fan_out_.pop_back();
    }
    // After the fan-out: the newcomers' GOP ends with this chunk.
    if (has_pending_.load(std::memory_order_acquire)) admit_newcomers();
}

void Stream::admit_newcomers() {
    ViewerList newcomers;
    {
        std::lock_guard<std::mutex> lock(viewers_mutex_);
        newcomers.swap(pending_);
        has_pending_.store(false, std::memory_order_relaxed);
    }
    std::vector<ChunkRef> head;
    if (settings_.preamble) head.push_back(settings_.preamble);
    // From the oldest cached keyframe (the last one without a prebuffer), with the PAT and PMT that
    // stood there; later PAT and PMT come in the GOPs themselves.
    const std::vector<ChunkRef>& gop = gop_cache_.take();
    if (settings_.fast_start && !gop.empty()) {
        if (gop.front()->psi) head.push_back(gop.front()->psi);
        head.insert(head.end(), gop.begin(), gop.end());
    }
    for (auto& viewer : newcomers) {
        viewer->start(head);
        fan_out_.push_back(std::move(viewer));
    }
}

void Stream::note_program() {
    const TsInspector& inspector = packetizer_.inspector();
    std::string audio;
    for (uint16_t pid : inspector.audio_pids()) audio += (audio.empty() ? "" : ",") + std::to_string(pid);
    LogLine(LogLevel::info, "stream_program")
        .kv("stream", settings_.path)
        .kv("video", to_string(inspector.video_codec()))
        .kv("video_pid", inspector.video_pid())
        .kv("audio_pids", audio.empty() ? "none" : audio)
        .kv("pcr_pid", inspector.pcr_pid());
    std::lock_guard<std::mutex> lock(output_mutex_);
    video_codec_ = to_string(inspector.video_codec());
    video_pid_ = inspector.video_pid();
}
