// upstream_loop.cpp - connect, read, frame, fail over, back off; the outage grace.
#include "server/pipeline/upstream_loop.h"

#include <random>

#include "common/log.h"
#include "server/pipeline/upstream_candidate.h"

using namespace std::chrono;

namespace {
constexpr seconds kGarbageLogInterval{10};
// A remote that keeps failing is retried at most this rarely.
constexpr milliseconds kMaxBackoff{60000};

bool has_programme_packet(const std::vector<uint8_t>& packets) {
    for (std::size_t i = 0; i < packets.size(); i += ts::kPacketSize)
        if (ts::PacketView(packets.data() + i).pid() != ts::kPidNull) return true;
    return false;
}
}  // namespace

UpstreamLoop::UpstreamLoop(UpstreamSettings settings, UpstreamListener& listener)
    : settings_(std::move(settings)), listener_(listener) {}

UpstreamLoop::~UpstreamLoop() { stop(); }

void UpstreamLoop::start() {
    if (reader_.joinable()) return;
    stop_ = std::make_unique<StopSignal>();
    gave_up_.store(false, std::memory_order_relaxed);
    reader_ = std::thread([this] { run(); });
}

void UpstreamLoop::stop() {
    if (!reader_.joinable()) return;
    stop_->signal();
    reader_.join();
}

UpstreamState UpstreamLoop::state() const {
    UpstreamState s;
    s.connected = is_connected();
    s.connects = connects_.load(std::memory_order_relaxed);
    s.failures = failures_.load(std::memory_order_relaxed);
    s.packets_received = packets_received_.load(std::memory_order_relaxed);
    s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
    s.bytes_skipped = bytes_skipped_.load(std::memory_order_relaxed);
    s.sync_losses = sync_losses_.load(std::memory_order_relaxed);
    s.gave_up = gave_up_.load(std::memory_order_relaxed);
    s.failovers = failovers_.load(std::memory_order_relaxed);
    s.failbacks = failbacks_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(status_mutex_);
    s.remote = remote_;
    s.last_error = last_error_;
    return s;
}

void UpstreamLoop::run() {
    options_.stream = settings_.path;
    options_.stop_fd = stop_->fd();
    options_.connect_timeout = settings_.connect_timeout;
    options_.read_timeout = settings_.read_timeout;
    options_.tls_verify = settings_.tls_verify;

    schedule_.emplace(settings_.listed_order ? RemoteSchedule::listed_order(settings_.remotes.size())
                                             : RemoteSchedule::shuffled_order(settings_.remotes.size(), std::random_device{}()),
                      settings_.reconnect_delay, kMaxBackoff);
    RemoteSchedule& schedule = *schedule_;
    bool first_connection = true;
    std::string last_failure;
    lost_at_.reset();  // an outage of the previous run (an on-demand stream restarts) is over
    while (!stop_->is_signalled()) {
        expire_outage(steady_clock::now());
        RemoteSchedule::Next next = schedule.next(steady_clock::now());
        if (next.offline) {
            listener_.upstream_unavailable(last_failure);  // before outage_expired: the real reason
            LogLine(LogLevel::warn, "stream_offline").kv("stream", settings_.path).kv("reason", "every remote failed and reconnect is 0");
            gave_up_.store(true, std::memory_order_relaxed);
            break;
        }
        if (!next.remote) {
            listener_.upstream_unavailable(last_failure);
            if (sleep_between_attempts(next.wait)) break;
            continue;
        }
        std::size_t index = *next.remote;
        const UpstreamUrl& remote = settings_.remotes[index];
        std::string error;
        note_attempt(remote);
        auto upstream = open_upstream(remote, options_, error);
        if (!upstream) {
            if (stop_->is_signalled()) break;
            schedule.report_failure(index, steady_clock::now());
            failures_.fetch_add(1, std::memory_order_relaxed);
            note_error(error);
            last_failure = error;
            LogLine(LogLevel::warn, "upstream_failed").kv("stream", settings_.path).kv("remote", remote.text).kv("reason", error);
            continue;
        }

        const auto connected_at = steady_clock::now();
        note_connected(remote);
        // Viewers that waited through an outage get a clean join; a first connection needs none.
        ReadEnd end = read_until_end(upstream, index, !first_connection);
        end_candidate();
        if (end.delivered) {
            first_connection = false;
            connected_.store(false, std::memory_order_release);
            listener_.upstream_lost();
            // The outage starts when a live connection ends; one that never delivered does not
            // restart the viewers' grace.
            lost_at_ = steady_clock::now();
        }
        upstream.reset();  // close (and for commands, reap) before the next attempt
        if (stop_->is_signalled()) break;
        if (end.delivered) schedule.report_success(index);
        schedule.report_failure(index, steady_clock::now());
        note_lost(settings_.remotes[index], end.reason, connected_at);
        last_failure = end.reason;
    }
    listener_.outage_expired(stop_->is_signalled() ? "server shutting down" : "stream offline");
}

void UpstreamLoop::note_connected(const UpstreamUrl& remote) {
    // upstream_connected follows with the first packets; a remote that never sends any is this line
    // and upstream_disconnected only.
    LogLine(LogLevel::info, "upstream_opened").kv("stream", settings_.path).kv("remote", remote.text);
    framer_.reset();
    if (settings_.content.enabled()) health_ = std::make_unique<ContentHealth>(settings_.content, steady_clock::now());
    connects_.fetch_add(1, std::memory_order_relaxed);
}

void UpstreamLoop::note_lost(const UpstreamUrl& remote, const std::string& reason, steady_clock::time_point connected_at) {
    const auto now = steady_clock::now();
    failures_.fetch_add(1, std::memory_order_relaxed);
    note_error(reason);
    LogLine(LogLevel::warn, "upstream_disconnected")
        .kv("stream", settings_.path)
        .kv("remote", remote.text)
        .kv("reason", reason)
        .kv("connected_s", duration_cast<milliseconds>(now - connected_at).count() / 1000.0);
}

void UpstreamLoop::note_attempt(const UpstreamUrl& remote) {
    std::lock_guard<std::mutex> lock(status_mutex_);
    remote_ = remote.text;
}

void UpstreamLoop::note_error(const std::string& error) {
    std::lock_guard<std::mutex> lock(status_mutex_);
    last_error_ = error;
}

void UpstreamLoop::go_live(const UpstreamUrl& remote, bool splice) {
    listener_.upstream_connected(splice);
    connected_.store(true, std::memory_order_release);
    note_error({});
    // Logged once viewers can join, not at the connect: tests and operators read it as "serving".
    LogLine connected(LogLevel::info, "upstream_connected");
    connected.kv("stream", settings_.path).kv("remote", remote.text);
    if (lost_at_) connected.kv("gap_ms", duration_cast<milliseconds>(steady_clock::now() - *lost_at_).count());
    lost_at_.reset();
}

UpstreamLoop::ReadEnd UpstreamLoop::read_until_end(std::unique_ptr<Upstream>& upstream, std::size_t& index, bool splice) {
    ReadEnd end;
    std::vector<uint8_t> buf(settings_.read_size);
    silence_ = Silence{steady_clock::now()};
    for (;;) {
        const long n = upstream->read(buf.data(), buf.size());
        if (n == 0) return end.reason = "end of stream", end;
        if (n < 0) return end.reason = upstream->error(), end;
        std::vector<uint8_t> packets;
        packets.reserve(static_cast<std::size_t>(n) + framer_.held_bytes());
        if (!frame(buf.data(), static_cast<std::size_t>(n), settings_.remotes[index], packets)) return end.reason = stall_reason(), end;
        if (packets.empty()) continue;
        // Live from the first packet, not from the connect: a remote that answers with bytes that
        // are not TS never lets viewers in, and does not end the grace of those waiting.
        if (!end.delivered) go_live(settings_.remotes[index], splice);
        end.delivered = true;
        if (health_) health_->feed(packets.data(), packets.size(), steady_clock::now());
        deliver(std::move(packets));
        if (auto reason = check_switch(upstream, index)) {
            failovers_.fetch_add(1, std::memory_order_relaxed);  // break before make
            return end.reason = *reason, end;
        }
    }
}

void UpstreamLoop::deliver(std::vector<uint8_t>&& packets) {
    const std::size_t bytes = packets.size();
    listener_.sync_totals(framer_.sync_losses(), framer_.sync_byte_errors());
    listener_.packets_received(std::move(packets));
    packets_received_.fetch_add(bytes / ts::kPacketSize, std::memory_order_relaxed);
    bytes_received_.fetch_add(bytes, std::memory_order_relaxed);
}

bool UpstreamLoop::frame(const uint8_t* data, std::size_t len, const UpstreamUrl& remote, std::vector<uint8_t>& packets) {
    const uint64_t skipped_before = framer_.skipped_bytes();
    const uint64_t sync_losses_before = framer_.sync_losses();
    framer_.push(data, len, packets);
    const auto now = steady_clock::now();
    if (framer_.sync_losses() != sync_losses_before)
        sync_losses_.fetch_add(framer_.sync_losses() - sync_losses_before, std::memory_order_relaxed);
    if (framer_.skipped_bytes() != skipped_before) {
        bytes_skipped_.fetch_add(framer_.skipped_bytes() - skipped_before, std::memory_order_relaxed);
        // At most one line per interval: a source that sends only garbage must not flood the log.
        if (now - last_garbage_log_ > kGarbageLogInterval) {
            last_garbage_log_ = now;
            LogLine(LogLevel::warn, "upstream_garbage")
                .kv("stream", settings_.path)
                .kv("remote", remote.text)
                .kv("skipped_bytes", framer_.skipped_bytes());
        }
    }
    // Bytes that carry no programme (garbage, only null packets) count as silence.
    if (has_programme_packet(packets)) {
        silence_ = Silence{now};
    } else {
        silence_.bytes += len;
        silence_.packets += packets.size() / ts::kPacketSize;
    }
    return settings_.read_timeout.count() <= 0 || now - silence_.since <= settings_.read_timeout;
}

std::string UpstreamLoop::stall_reason() const {
    const std::string lasted = std::to_string(duration_cast<seconds>(steady_clock::now() - silence_.since).count()) + " s";
    if (silence_.packets == 0) return "no TS packets for " + lasted + " (" + std::to_string(silence_.bytes) + " bytes without sync)";
    return "stalled: no packets but null ones for " + lasted;
}

void UpstreamLoop::expire_outage(steady_clock::time_point now) {
    if (!lost_at_ || now - *lost_at_ < settings_.outage_grace) return;
    listener_.outage_expired("upstream lost for " + std::to_string(duration_cast<seconds>(now - *lost_at_).count()) + " s");
    lost_at_.reset();
}

bool UpstreamLoop::sleep_between_attempts(steady_clock::duration wait) {
    const auto until = steady_clock::now() + wait;
    for (;;) {
        const auto now = steady_clock::now();
        if (now >= until) return stop_->is_signalled();
        auto step = until - now;
        if (lost_at_) step = std::min<steady_clock::duration>(step, *lost_at_ + settings_.outage_grace - now);
        if (stop_->wait_for(std::max(duration_cast<milliseconds>(step), milliseconds(1)))) return true;
        expire_outage(steady_clock::now());
    }
}
