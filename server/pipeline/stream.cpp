// stream.cpp - the reader loop (connect, read, frame, fan out, reconnect) and the client list.
#include "server/pipeline/stream.h"

#include <algorithm>
#include <random>

#include "common/log.h"
#include "server/upstreams/upstream.h"

using namespace std::chrono;

namespace {
// Keep a client's queue at least this large whatever `outputbuffer` says: encoders send a whole
// picture at once, and a queue sized in packets overflows on a single keyframe (DESIGN.md).
// 4 MiB is 4 s at 8 Mbit/s, held as references to shared chunks: room for a fast-start GOP
// (up to half of it) and for the live edge while that burst is written.
constexpr std::size_t kMinQueueBytes = 4 << 20;
constexpr seconds kGarbageLogInterval{10};
// A remote that keeps failing is retried at most this rarely.
constexpr milliseconds kMaxBackoff{60000};
// A GOP longer than this is not cached: a viewer would start that far behind the live edge.
constexpr seconds kMaxGopAge{5};
// Chunks kept for joiners that were preempted between reading the JoinPoint and getting on the
// stack (microseconds, normally): about a second at 8 Mbit/s. One slower than that is refused.
constexpr std::size_t kRecentChunks = 256;
}  // namespace

StreamSettings StreamSettings::from_config(const Resource& resource, const Config& config) {
    StreamSettings s;
    s.path = resource.serve;
    s.remotes = resource.remotes;
    s.tls_verify = resource.tls_verify;
    s.reconnect_delay = seconds(config.reconnect_s);
    s.connect_timeout = seconds(config.timeout_s);
    s.read_timeout = seconds(config.readtimeout_s);
    if (config.timeout_s > 0) s.client_grace = seconds(config.timeout_s);
    s.client_limits.max_lag = seconds(config.maxlag_s);
    s.fast_start = resource.fast_start;
    s.read_size = std::max<std::size_t>(config.inputbuffer, 16) * ts::kPacketSize;
    s.client_limits.queue_bytes = std::max<std::size_t>(std::size_t(config.outputbuffer) * ts::kPacketSize, kMinQueueBytes);
    return s;
}

Stream::Stream(StreamSettings settings)
    : settings_(std::move(settings)),
      // Half the queue: a viewer must take a whole cached GOP and still have room for the live edge.
      join_point_(std::make_shared<const JoinPoint>()),
      gop_cache_(GopCacheLimits{settings_.client_limits.queue_bytes / 2, kMaxGopAge}),
      recent_(kRecentChunks) {}

Stream::~Stream() { stop(); }

void Stream::start() {
    if (!reader_.joinable()) reader_ = std::thread([this] { run(); });
}

void Stream::stop() {
    stop_.signal();
    if (reader_.joinable()) reader_.join();
    disconnect_clients("server shutting down");
}

struct Stream::JoinNode {
    Joining joining;
    JoinNode* next = nullptr;
};

std::shared_ptr<Client> Stream::attach(const std::string& address) {
    if (!connected_.load() || offline_.load()) return nullptr;
    auto client = std::make_shared<Client>(settings_.path, address, settings_.client_limits);
    std::vector<ChunkRef> head;
    if (settings_.preamble) head.push_back(settings_.preamble);
    const std::shared_ptr<const JoinPoint> point = std::atomic_load(&join_point_);
    GopSnapshot gop;
    if (settings_.fast_start && !point->gop.empty()) {
        gop = point->gop;
        if (gop.front().chunk->psi) head.push_back(gop.front().chunk->psi);
    }
    client->start_with(std::move(head), std::move(gop));
    // Owned by the stack until take_joiners() takes it back.
    JoinNode* node = std::make_unique<JoinNode>(JoinNode{{client, point->last_seq + 1}, joiners_.load()}).release();
    while (!joiners_.compare_exchange_weak(node->next, node)) {}
    joiners_waiting_.fetch_add(1, std::memory_order_relaxed);
    // A stop or set_offline() that emptied the stack just before the push above would never see
    // this viewer; whichever came second sees the other (sequentially consistent).
    if (!connected_.load() || offline_.load()) {
        client->disconnect(offline_.load() ? "stream set offline" : "stream not connected upstream");
        return nullptr;
    }
    return client;
}

std::vector<Stream::Joining> Stream::take_joiners() {
    std::unique_ptr<JoinNode> top(joiners_.exchange(nullptr));
    std::vector<Joining> taken;
    while (top) {
        taken.push_back(std::move(top->joining));
        top.reset(top->next);
    }
    joiners_waiting_.fetch_sub(taken.size(), std::memory_order_relaxed);
    std::reverse(taken.begin(), taken.end());
    return taken;
}

void Stream::adopt_joiners() {
    if (!joiners_.load(std::memory_order_relaxed)) return;
    std::vector<Joining> joined = take_joiners();
    const auto now = steady_clock::now();
    ClientList adopted;
    for (Joining& j : joined) {
        if (j.client->is_disconnected()) continue;  // left already: nothing to replay to it
        if (!recent_.replay(j.next_seq, seq_ + 1, [&](const ChunkRef& chunk) { j.client->offer(chunk, now); })) {
            j.client->disconnect("joined too slowly: the chunks since its start are gone");
            continue;
        }
        fan_out_list_.push_back(j.client);
        adopted.push_back(std::move(j.client));
    }
    std::lock_guard<std::mutex> lock(clients_mutex_);
    // Looked at again under the lock: detach() closes a viewer before it takes the lock to remove
    // it, so one closed by now may have been removed already (from where it was not yet) and would
    // stay in clients_ for good. detach() has counted its totals.
    for (auto& client : adopted)
        if (!client->is_disconnected()) clients_.insert(client);
    // set_offline() stores the flag, then lists the viewers under this lock: either it listed
    // these, or they see the flag here.
    if (offline_.load())
        for (const auto& client : adopted) client->disconnect("stream set offline");
}

void Stream::publish_join_point() {
    auto point = std::make_shared<JoinPoint>();
    point->gop = gop_cache_.snapshot();
    point->last_seq = seq_;
    std::atomic_store(&join_point_, std::shared_ptr<const JoinPoint>(std::move(point)));
}

void Stream::detach(const std::shared_ptr<Client>& client) {
    // Closed first: the reader drops a closed client from its list when it next meets it, and
    // take_joiners() does not take it over.
    client->disconnect("client closed connection");
    std::lock_guard<std::mutex> lock(clients_mutex_);
    clients_.erase(client);
    // Under the lock, so that stats() counts a leaving client's totals exactly once (whether or
    // not the reader had taken it over).
    packets_dropped_.fetch_add(client->packets_dropped(), std::memory_order_relaxed);
    bytes_sent_.fetch_add(client->bytes_sent(), std::memory_order_relaxed);
    viewer_time_ns_.fetch_add(duration_cast<nanoseconds>(client->connected_for()).count(), std::memory_order_relaxed);
}

Stream::ClientList Stream::client_list() const {
    std::lock_guard<std::mutex> lock(clients_mutex_);
    return ClientList(clients_.begin(), clients_.end());
}

void Stream::disconnect_clients(const std::string& reason) {
    // The joiners not yet taken over too; the reader skips them once closed.
    for (const Joining& j : take_joiners()) j.client->disconnect(reason);
    for (const auto& client : client_list()) client->disconnect(reason);
}

void Stream::set_offline(bool offline) {
    // Sequentially consistent, before the disconnect below: see attach() and adopt_joiners().
    if (offline_.exchange(offline) == offline) return;
    LogLine(LogLevel::info, offline ? "stream_set_offline" : "stream_set_online").kv("stream", settings_.path);
    if (offline) disconnect_clients("stream set offline");
}

void Stream::set_connected(bool connected) { connected_.store(connected); }

StreamStats Stream::stats() const {
    StreamStats s;
    s.connected = is_connected();
    {
        // Present clients and the totals of departed ones, read together (detach() moves one
        // into the other under this lock).
        std::lock_guard<std::mutex> lock(clients_mutex_);
        s.clients = clients_.size() + joiners_waiting_.load(std::memory_order_relaxed);
        s.packets_dropped = packets_dropped_.load(std::memory_order_relaxed);
        s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
        s.viewer_time = nanoseconds(viewer_time_ns_.load(std::memory_order_relaxed));
        for (const auto& client : clients_) {
            s.packets_dropped += client->packets_dropped();
            s.bytes_sent += client->bytes_sent();
            s.viewer_time += client->connected_for();
        }
    }
    s.packets_received = packets_received_.load(std::memory_order_acquire);
    s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
    s.cc_errors = cc_errors_.load(std::memory_order_relaxed);
    const int64_t connected_at = connected_at_ns_.load(std::memory_order_relaxed);
    if (connected_at != 0) s.connected_for = steady_clock::now().time_since_epoch() - nanoseconds(connected_at);
    s.bytes_skipped = bytes_skipped_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(upstream_mutex_);
    s.video_codec = video_codec_;
    s.video_pid = video_pid_;
    s.upstream = upstream_;
    return s;
}

void Stream::record_failure(const UpstreamUrl& remote, const std::string& error) {
    std::lock_guard<std::mutex> lock(upstream_mutex_);
    upstream_.remote = remote.text;
    upstream_.last_error = error;
    ++upstream_.failures;
}

void Stream::expire_waiting_clients(steady_clock::time_point now) {
    prune_fan_out_list();  // no chunks come to drop the viewers that leave during an outage
    if (!lost_at_ || now - *lost_at_ < settings_.client_grace) return;
    disconnect_clients("upstream lost for " + std::to_string(duration_cast<seconds>(now - *lost_at_).count()) + " s");
    lost_at_.reset();
}

bool Stream::sleep_between_attempts(steady_clock::duration wait) {
    const auto until = steady_clock::now() + wait;
    for (;;) {
        auto now = steady_clock::now();
        if (now >= until) return stop_.is_signalled();
        auto step = until - now;
        if (lost_at_) step = std::min<steady_clock::duration>(step, *lost_at_ + settings_.client_grace - now);
        if (stop_.wait_for(std::max(duration_cast<milliseconds>(step), milliseconds(1)))) return true;
        expire_waiting_clients(steady_clock::now());
    }
}

void Stream::run() {
    UpstreamOptions options;
    options.stream = settings_.path;
    options.stop_fd = stop_.fd();
    options.connect_timeout = settings_.connect_timeout;
    options.read_timeout = settings_.read_timeout;
    options.tls_verify = settings_.tls_verify;

    RemoteSchedule schedule(RemoteSchedule::shuffled_order(settings_.remotes.size(), std::random_device{}()),
                            settings_.reconnect_delay, kMaxBackoff);
    bool first_connection = true;
    while (!stop_.is_signalled()) {
        expire_waiting_clients(steady_clock::now());
        RemoteSchedule::Next next = schedule.next(steady_clock::now());
        if (next.offline) {
            LogLine(LogLevel::warn, "stream_offline").kv("stream", settings_.path).kv("reason", "every remote failed and reconnect is 0");
            break;
        }
        if (!next.remote) {
            if (sleep_between_attempts(next.wait)) break;
            continue;
        }
        const std::size_t index = *next.remote;
        const UpstreamUrl& remote = settings_.remotes[index];
        std::string error;
        auto upstream = open_upstream(remote, options, error);
        if (!upstream) {
            if (stop_.is_signalled()) break;
            schedule.report_failure(index, steady_clock::now());
            record_failure(remote, error);
            LogLine(LogLevel::warn, "upstream_failed").kv("stream", settings_.path).kv("remote", remote.text).kv("reason", error);
            continue;
        }

        const auto connected_at = steady_clock::now();
        {
            LogLine connected(LogLevel::info, "upstream_connected");
            connected.kv("stream", settings_.path).kv("remote", remote.text);
            if (lost_at_) connected.kv("gap_ms", duration_cast<milliseconds>(connected_at - *lost_at_).count());
        }
        // Viewers that waited through the outage get a clean join; a first connection needs none.
        if (!first_connection) splicer_.begin_splice();
        first_connection = false;
        lost_at_.reset();
        {
            std::lock_guard<std::mutex> lock(upstream_mutex_);
            upstream_.remote = remote.text;
            upstream_.since = system_clock::now();
            ++upstream_.connects;
        }
        framer_.reset();
        inspector_.reset();
        input_cc_.reset();
        connected_at_ns_.store(duration_cast<nanoseconds>(connected_at.time_since_epoch()).count(), std::memory_order_relaxed);
        gop_cache_.clear();  // the old source's pictures must not start a viewer on the new one
        publish_join_point();
        set_connected(true);
        PumpEnd end = pump(*upstream, remote);
        set_connected(false);
        prune_fan_out_list();
        connected_at_ns_.store(0, std::memory_order_relaxed);
        upstream.reset();  // close (and for commands, reap) before the next attempt
        if (stop_.is_signalled()) break;

        const auto now = steady_clock::now();
        lost_at_ = now;
        if (end.delivered) schedule.report_success(index);
        schedule.report_failure(index, now);
        record_failure(remote, end.reason);
        {
            std::lock_guard<std::mutex> lock(upstream_mutex_);
            upstream_.since = system_clock::now();
        }
        LogLine(LogLevel::warn, "upstream_disconnected")
            .kv("stream", settings_.path)
            .kv("remote", remote.text)
            .kv("reason", end.reason)
            .kv("connected_s", duration_cast<milliseconds>(now - connected_at).count() / 1000.0);
    }
    disconnect_clients(stop_.is_signalled() ? "server shutting down" : "stream offline");
}

namespace {
bool has_non_null_packet(const std::vector<uint8_t>& bytes) {
    for (std::size_t i = 0; i < bytes.size(); i += ts::kPacketSize)
        if (ts::PacketView(bytes.data() + i).pid() != ts::kPidNull) return true;
    return false;
}
}  // namespace

Stream::PumpEnd Stream::pump(Upstream& upstream, const UpstreamUrl& remote) {
    PumpEnd end;
    std::vector<uint8_t> buf(settings_.read_size);
    steady_clock::time_point last_garbage_log{};
    auto last_packet = steady_clock::now();
    for (;;) {
        long n = upstream.read(buf.data(), buf.size());
        if (n == 0) return end.reason = "end of stream", end;
        if (n < 0) return end.reason = upstream.error(), end;
        auto chunk = std::make_shared<PacketChunk>();
        chunk->bytes.reserve(static_cast<std::size_t>(n) + ts::kPacketSize);
        const uint64_t skipped_before = framer_.skipped_bytes();
        framer_.push(buf.data(), static_cast<std::size_t>(n), chunk->bytes);
        if (framer_.skipped_bytes() != skipped_before) {
            bytes_skipped_.fetch_add(framer_.skipped_bytes() - skipped_before, std::memory_order_relaxed);
            // At most one line per interval: a source that sends only garbage must not flood the log.
            if (steady_clock::now() - last_garbage_log > kGarbageLogInterval) {
                last_garbage_log = steady_clock::now();
                LogLine(LogLevel::warn, "upstream_garbage")
                    .kv("stream", settings_.path)
                    .kv("remote", remote.text)
                    .kv("skipped_bytes", framer_.skipped_bytes());
            }
        }
        const auto now = steady_clock::now();
        // Stall detector: bytes that carry no programme (garbage, only null packets) count as silence.
        if (has_non_null_packet(chunk->bytes)) last_packet = now;
        else if (settings_.read_timeout.count() > 0 && now - last_packet > settings_.read_timeout)
            return end.reason = "stalled: no packets but null ones for " +
                                std::to_string(duration_cast<seconds>(now - last_packet).count()) + " s",
                   end;
        splicer_.process(chunk->bytes);
        if (chunk->bytes.empty()) continue;
        end.delivered = true;
        const std::size_t packets = chunk->packet_count();
        const std::size_t bytes = chunk->bytes.size();
        publish(std::move(chunk->bytes));
        // Counted once fanned out: a viewer attached after the count shows a packet never gets it.
        packets_received_.fetch_add(packets, std::memory_order_release);
        bytes_received_.fetch_add(bytes, std::memory_order_relaxed);
    }
}

ChunkRef Stream::make_psi_prefix() const {
    auto psi = std::make_shared<PacketChunk>();
    psi->bytes = inspector_.pat_packets();
    psi->bytes.insert(psi->bytes.end(), inspector_.pmt_packets().begin(), inspector_.pmt_packets().end());
    // The stored copies carry the counters of when the table was first seen; number them so that
    // the last copy of each PID has the counter of the last live packet, and the next live one follows.
    std::array<uint8_t, 8192> next_cc = last_cc_;
    for (std::size_t i = psi->bytes.size(); i >= ts::kPacketSize; i -= ts::kPacketSize) {
        uint8_t* packet = psi->bytes.data() + i - ts::kPacketSize;
        const uint16_t pid = ts::PacketView(packet).pid();
        ts::set_continuity_counter(packet, next_cc[pid]);
        next_cc[pid] = static_cast<uint8_t>((next_cc[pid] + 15) & 0x0F);
    }
    return psi;
}

void Stream::publish(std::vector<uint8_t>&& packets) {
    const std::size_t count = packets.size() / ts::kPacketSize;
    std::size_t start = 0;
    bool start_is_picture = false;
    ChunkRef start_psi;  // set when packet `start` is a keyframe
    auto emit = [&](std::size_t end) {
        if (end == start) return;
        auto chunk = std::make_shared<PacketChunk>();
        if (start == 0 && end == count) chunk->bytes = std::move(packets);
        else chunk->bytes.assign(packets.begin() + start * ts::kPacketSize, packets.begin() + end * ts::kPacketSize);
        chunk->picture_start = start_is_picture;
        chunk->random_access = start_psi != nullptr;
        chunk->psi = std::move(start_psi);
        start_psi = nullptr;
        chunk->arrived = steady_clock::now();
        fan_out(chunk);
    };
    for (std::size_t i = 0; i < count; ++i) {
        const uint8_t* packet = packets.data() + i * ts::kPacketSize;
        if (!input_cc_.check(packet)) cc_errors_.fetch_add(1, std::memory_order_relaxed);
        const PacketKind kind = inspector_.inspect(packet);
        ts::PacketView view(packet);
        if (kind == PacketKind::video_rap || (view.pusi() && view.pid() == inspector_.video_pid())) {
            emit(i);
            start = i;
            start_is_picture = true;
            if (kind == PacketKind::video_rap) start_psi = make_psi_prefix();
        }
        if (view.has_payload()) last_cc_[view.pid()] = view.continuity_counter();
    }
    emit(count);
    if (inspector_.psi_generation() != psi_generation_) note_program();
}

void Stream::note_program() {
    psi_generation_ = inspector_.psi_generation();
    if (!inspector_.has_program()) return;
    std::string audio;
    for (uint16_t pid : inspector_.audio_pids()) audio += (audio.empty() ? "" : ",") + std::to_string(pid);
    LogLine(LogLevel::info, "stream_program")
        .kv("stream", settings_.path)
        .kv("video", to_string(inspector_.video_codec()))
        .kv("video_pid", inspector_.video_pid())
        .kv("audio_pids", audio.empty() ? "none" : audio)
        .kv("pcr_pid", inspector_.pcr_pid());
    std::lock_guard<std::mutex> lock(upstream_mutex_);
    video_codec_ = to_string(inspector_.video_codec());
    video_pid_ = inspector_.video_pid();
}

void Stream::fan_out(const ChunkRef& chunk) {
    const auto now = chunk->arrived;
    if (chunk->random_access) gop_cache_.on_rap();
    gop_cache_.append(chunk, 0, now);
    recent_.add(++seq_, chunk);
    publish_join_point();
    for (std::size_t i = 0; i < fan_out_list_.size();) {
        if (fan_out_list_[i]->offer(chunk, now)) {
            ++i;
            continue;
        }
        fan_out_list_[i] = std::move(fan_out_list_.back());  // it has ended
        fan_out_list_.pop_back();
    }
    // After the fan-out: a joiner whose JoinPoint came before this chunk gets it from recent_; one
    // that read the JoinPoint published above has it in its GOP.
    adopt_joiners();
}

void Stream::prune_fan_out_list() {
    // Joiners that came just before the upstream went: taken over now, so that those that leave
    // during the outage are not counted as viewers until it ends.
    adopt_joiners();
    fan_out_list_.erase(std::remove_if(fan_out_list_.begin(), fan_out_list_.end(),
                                       [](const std::shared_ptr<Client>& c) { return c->is_disconnected(); }),
                        fan_out_list_.end());
}
