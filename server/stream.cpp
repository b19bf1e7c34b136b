// stream.cpp - the reader loop (connect, read, frame, fan out, reconnect) and the client list.
#include "stream.h"

#include <algorithm>

#include "common/log.h"
#include "upstream.h"

using namespace std::chrono;

namespace {
// Keep a client's queue at least this large whatever `outputbuffer` says: encoders send a whole
// picture at once, and a queue sized in packets overflows on a single keyframe (DESIGN.md).
constexpr std::size_t kMinQueueBytes = 4 << 20;
constexpr seconds kGarbageLogInterval{10};
}  // namespace

StreamSettings StreamSettings::from_config(const Resource& resource, const Config& config) {
    StreamSettings s;
    s.path = resource.serve;
    s.remotes = resource.remotes;
    s.reconnect_delay = seconds(config.reconnect_s);
    s.connect_timeout = seconds(config.timeout_s);
    s.read_timeout = seconds(config.readtimeout_s);
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
    s.connects = connects_.load(std::memory_order_relaxed);
    return s;
}

void Stream::run() {
    UpstreamOptions options;
    options.stop_fd = stop_.fd();
    options.connect_timeout = settings_.connect_timeout;
    options.read_timeout = settings_.read_timeout;

    while (!stop_.is_signalled()) {
        for (std::size_t i = 0; i < settings_.remotes.size() && !stop_.is_signalled(); ++i) {
            const UpstreamUrl& remote = settings_.remotes[i];
            std::string error;
            auto upstream = open_upstream(remote, options, error);
            if (!upstream) {
                if (!stop_.is_signalled())
                    LogLine(LogLevel::warn, "upstream_failed").kv("stream", settings_.path).kv("remote", remote.text).kv("reason", error);
                continue;
            }
            connects_.fetch_add(1, std::memory_order_relaxed);
            LogLine(LogLevel::info, "upstream_connected").kv("stream", settings_.path).kv("remote", remote.text);
            framer_.reset();
            set_connected(true);
            std::string reason = pump(*upstream, remote);
            set_connected(false);
            disconnect_clients("upstream lost: " + reason);
            if (!stop_.is_signalled())
                LogLine(LogLevel::warn, "upstream_disconnected").kv("stream", settings_.path).kv("remote", remote.text).kv("reason", reason);
        }
        if (settings_.reconnect_delay.count() == 0) {
            LogLine(LogLevel::warn, "stream_offline").kv("stream", settings_.path).kv("reason", "reconnect is 0");
            break;
        }
        if (stop_.wait_for(settings_.reconnect_delay)) break;
    }
}

std::string Stream::pump(Upstream& upstream, const UpstreamUrl& remote) {
    std::vector<uint8_t> buf(settings_.read_size);
    steady_clock::time_point last_garbage_log{};
    for (;;) {
        long n = upstream.read(buf.data(), buf.size());
        if (n == 0) return "end of stream";
        if (n < 0) return upstream.error();
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
        if (chunk->bytes.empty()) continue;
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
