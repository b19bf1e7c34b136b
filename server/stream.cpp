// stream.cpp - the reader loop (connect, read, frame, fan out, reconnect) and the client list.
#include "stream.h"

#include <algorithm>
#include <random>

#include "common/log.h"
#include "upstream.h"

using namespace std::chrono;

namespace {
// Keep a client's queue at least this large whatever `outputbuffer` says: encoders send a whole
// picture at once, and a queue sized in packets overflows on a single keyframe (DESIGN.md).
// 2 MiB is 2 s at 8 Mbit/s, held as references to shared chunks.
constexpr std::size_t kMinQueueBytes = 2 << 20;
constexpr seconds kGarbageLogInterval{10};
// A remote that keeps failing is retried at most this rarely.
constexpr milliseconds kMaxBackoff{60000};
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
    s.read_size = std::max<std::size_t>(config.inputbuffer, 16) * ts::kPacketSize;
    s.client_limits.queue_bytes = std::max<std::size_t>(std::size_t(config.outputbuffer) * ts::kPacketSize, kMinQueueBytes);
    return s;
}

Stream::Stream(StreamSettings settings) : settings_(std::move(settings)) {}

Stream::~Stream() { stop(); }

void Stream::start() {
    if (!reader_.joinable()) reader_ = std::thread([this] { run(); });
}

void Stream::stop() {
    stop_.signal();
    if (reader_.joinable()) reader_.join();
    disconnect_clients("server shutting down");
}

std::shared_ptr<Client> Stream::attach(const std::string& address) {
    std::lock_guard<std::mutex> lock(clients_mutex_);
    if (!connected_.load(std::memory_order_relaxed)) return nullptr;
    auto client = std::make_shared<Client>(settings_.path, address, settings_.client_limits);
    // The reader cannot push to this client before it is in the list below, so this thread may
    // act as the producer until then; the lock orders these pushes before the reader's.
    if (settings_.preamble) client->offer(settings_.preamble, steady_clock::now());
    auto next = std::make_shared<ClientList>(*clients_);
    next->push_back(client);
    clients_ = std::move(next);
    return client;
}

void Stream::detach(const std::shared_ptr<Client>& client) {
    client->disconnect("client closed connection");
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        auto next = std::make_shared<ClientList>(*clients_);
        next->erase(std::remove(next->begin(), next->end(), client), next->end());
        clients_ = std::move(next);
    }
    packets_dropped_.fetch_add(client->packets_dropped(), std::memory_order_relaxed);
}

void Stream::disconnect_clients(const std::string& reason) {
    std::shared_ptr<const ClientList> clients;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        clients = clients_;
    }
    for (const auto& client : *clients) client->disconnect(reason);
}

void Stream::set_connected(bool connected) {
    // Under the client lock so that attach() never adds a client after the list was closed.
    std::lock_guard<std::mutex> lock(clients_mutex_);
    connected_.store(connected, std::memory_order_release);
}

StreamStats Stream::stats() const {
    StreamStats s;
    std::shared_ptr<const ClientList> clients;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        clients = clients_;
    }
    s.connected = is_connected();
    s.clients = clients->size();
    s.packets_received = packets_received_.load(std::memory_order_relaxed);
    s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
    s.packets_dropped = packets_dropped_.load(std::memory_order_relaxed);
    for (const auto& client : *clients) s.packets_dropped += client->packets_dropped();
    s.bytes_skipped = bytes_skipped_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(upstream_mutex_);
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
        set_connected(true);
        PumpEnd end = pump(*upstream, remote);
        set_connected(false);
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
        packets_received_.fetch_add(chunk->packet_count(), std::memory_order_relaxed);
        bytes_received_.fetch_add(chunk->bytes.size(), std::memory_order_relaxed);
        fan_out(chunk);
    }
}

void Stream::fan_out(const ChunkRef& chunk) {
    std::shared_ptr<const ClientList> clients;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        clients = clients_;
    }
    const auto now = steady_clock::now();
    for (const auto& client : *clients) client->offer(chunk, now);
}
