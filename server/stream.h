// stream.h - one served stream path: owns its upstream reader thread and fans packets out to clients.
// The reader thread is the only producer for every client queue; attach/detach come from HTTP threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client.h"
#include "common/config.h"
#include "common/net.h"
#include "common/ts_framer.h"

struct StreamSettings {
    std::string path;
    std::vector<UpstreamUrl> remotes;
    std::chrono::milliseconds reconnect_delay{10000};  // 0 = stay offline after a failure
    std::chrono::milliseconds connect_timeout{0};
    std::chrono::milliseconds read_timeout{0};
    std::size_t read_size = 1000 * ts::kPacketSize;     // bytes per upstream read (inputbuffer)
    ClientLimits client_limits;

    static StreamSettings from_config(const Resource& resource, const Config& config);
};

struct StreamStats {
    bool connected = false;
    std::size_t clients = 0;
    uint64_t packets_received = 0;
    uint64_t bytes_received = 0;
    uint64_t packets_dropped = 0;  // summed over clients
    uint64_t bytes_skipped = 0;    // garbage the framer skipped
    uint64_t connects = 0;
};

class Stream {
public:
    explicit Stream(StreamSettings settings);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    void start();
    // Disconnects every client, stops the reader and joins it. Idempotent.
    void stop();

    const std::string& path() const { return settings_.path; }
    bool is_connected() const { return connected_.load(std::memory_order_acquire); }

    // HTTP thread. A new client fed from the next chunk on, or nullptr while the upstream is down.
    std::shared_ptr<Client> attach(const std::string& address);
    // HTTP thread, when the client's response ends.
    void detach(const std::shared_ptr<Client>& client);
    void disconnect_clients(const std::string& reason);

    StreamStats stats() const;

private:
    using ClientList = std::vector<std::shared_ptr<Client>>;

    void run();
    // Reads until the upstream fails or stop(); returns why it ended.
    std::string pump(class Upstream& upstream, const UpstreamUrl& remote);
    void fan_out(const ChunkRef& chunk);
    void set_connected(bool connected);

    const StreamSettings settings_;
    StopSignal stop_;
    std::thread reader_;
    TsFramer framer_;  // reader thread only

    std::atomic<bool> connected_{false};
    mutable std::mutex clients_mutex_;
    // Copy-on-write: the reader takes one reference per chunk instead of locking per client.
    std::shared_ptr<const ClientList> clients_ = std::make_shared<ClientList>();

    std::atomic<uint64_t> packets_received_{0};
    std::atomic<uint64_t> bytes_received_{0};
    std::atomic<uint64_t> packets_dropped_{0};  // of clients that have left
    std::atomic<uint64_t> bytes_skipped_{0};
    std::atomic<uint64_t> connects_{0};
};
