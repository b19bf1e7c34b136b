// http_frontend.cpp - routing, viewer limits and the chunked provider that drains a client's queue.
#include "http_frontend.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "connection_threads.h"

using namespace std::chrono;

namespace {
// The kernel queues this many connects while every connection thread is busy or starting:
// enough for a burst of 500 viewers (httplib's compiled-in backlog is 5).
constexpr int kListenBacklog = 1024;
// Connections beyond the viewer limit still need a thread to be answered 503 or 404.
constexpr std::size_t kExtraConnectionThreads = 64;
constexpr std::size_t kUnlimitedConnectionThreads = 10000;
// How long a viewer's packets may wait for a fuller batch; also how often an idle viewer's thread
// wakes so that httplib can check for shutdown. Bounds the latency batching adds (DESIGN.md: well
// under a second); at 8 Mbit/s it, not Client::kBatchBytes, sets the pace: 5 wake-ups a second.
constexpr milliseconds kMaxBatchDelay{200};
// The kernel doubles it: 512 KiB in flight, 8 Mbit/s up to 500 ms of round trip.
constexpr int kSendBufferBytes = 256 * 1024;
constexpr const char* kCacheControl = "no-cache, no-store, no-transform";

void plain_text(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body + "\n", "text/plain");
}

double seconds_since(steady_clock::duration d) { return duration_cast<milliseconds>(d).count() / 1000.0; }
}  // namespace

HttpFrontend::HttpFrontend(const Config& config, const StreamMap& streams)
    : config_(config), streams_(streams), server_(std::make_unique<httplib::Server>()) {}

HttpFrontend::~HttpFrontend() { stop(); }

bool HttpFrontend::reserve_viewer() {
    if (config_.maxconnections == 0) {
        viewers_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    unsigned current = viewers_.load(std::memory_order_relaxed);
    do {
        if (current >= config_.maxconnections) return false;
    } while (!viewers_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
    return true;
}

bool HttpFrontend::start(std::string& error) {
    auto listen = parse_listen_address(config_.listen);
    if (!listen) {
        error = "invalid listen address \"" + config_.listen + "\"";
        return false;
    }
    const std::string host = listen->host.empty() ? "0.0.0.0" : listen->host;

    const std::size_t max_threads = config_.maxconnections ? config_.maxconnections + kExtraConnectionThreads
                                                           : kUnlimitedConnectionThreads;
    // httplib takes ownership of the queue and deletes it when listening ends.
    server_->new_task_queue = [max_threads] { return new ConnectionThreads(max_threads); };
    server_->set_read_timeout(5, 0);   // a request head must arrive within 5 s
    server_->set_write_timeout(5, 0);  // a viewer whose socket stays full for 5 s is dropped
    server_->set_keep_alive_timeout(5);

    // Capture the listening socket (the only one httplib passes here) to raise its backlog.
    int listen_fd = -1;
    server_->set_socket_options([&listen_fd](socket_t fd) {
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        // Accepted sockets inherit this. A fixed send buffer bounds the kernel memory of a viewer
        // that stops reading (autotuning would let it grow to tcp_wmem's 4 MiB each) and makes
        // such a viewer show up in our own queue, where drops resume at a keyframe.
        int sndbuf = kSendBufferBytes;
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        listen_fd = fd;
    });
    server_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) { handle_get(req, res); });

    int port = listen->port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, listen->port) ? listen->port : -1);
    server_->set_socket_options(httplib::default_socket_options);
    if (port <= 0 || listen_fd < 0) {
        error = "cannot listen on " + config_.listen + ": " + std::strerror(errno);
        return false;
    }
    ::listen(listen_fd, kListenBacklog);
    address_ = join_host_port(host, port);
    listener_ = std::thread([this] { server_->listen_after_bind(); });
    return true;
}

void HttpFrontend::stop() {
    if (!listener_.joinable()) return;
    server_->stop();
    for (const auto& [path, stream] : streams_) stream->disconnect_clients("server shutting down");
    listener_.join();  // httplib joins every connection thread before listen_after_bind() returns
}

void HttpFrontend::handle_get(const httplib::Request& req, httplib::Response& res) {
    auto it = streams_.find(req.path);
    if (it == streams_.end()) return plain_text(res, 404, "not found");
    serve_stream(*it->second, req, res);
}

void HttpFrontend::serve_stream(Stream& stream, const httplib::Request& req, httplib::Response& res) {
    const std::string address = join_host_port(req.remote_addr, req.remote_port);
    res.set_header("Cache-Control", kCacheControl);
    if (!stream.is_connected()) return plain_text(res, 503, "stream not connected upstream");
    if (req.method == "HEAD") {
        res.set_chunked_content_provider("video/mpeg", [](size_t, httplib::DataSink&) { return false; });
        return;
    }
    if (!reserve_viewer()) {
        LogLine(LogLevel::warn, "client_refused").kv("stream", stream.path()).kv("client", address).kv("reason", "maxconnections reached");
        return plain_text(res, 503, "too many connections");
    }
    std::shared_ptr<Client> client = stream.attach(address);
    if (!client) {
        release_viewer();
        return plain_text(res, 503, "stream not connected upstream");
    }
    LogLine(LogLevel::info, "client_connected").kv("stream", stream.path()).kv("client", address);

    auto chunks = std::make_shared<std::vector<ChunkRef>>();
    auto provider = [client, chunks](size_t, httplib::DataSink& sink) {
        switch (client->next_chunks(*chunks, kMaxBatchDelay)) {
        case Client::BatchResult::closed: sink.done(); return true;
        case Client::BatchResult::idle: return true;
        case Client::BatchResult::data: break;
        }
        for (const ChunkRef& chunk : *chunks) {
            if (!sink.write(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size())) return false;
            client->count_sent(chunk->bytes.size());
        }
        chunks->clear();
        return true;
    };
    auto releaser = [this, &stream, client](bool) {
        stream.detach(client);
        release_viewer();
        LogLine(LogLevel::info, "client_disconnected")
            .kv("stream", stream.path())
            .kv("client", client->address())
            .kv("duration_s", seconds_since(client->connected_for()))
            .kv("bytes", client->bytes_sent())
            .kv("dropped_packets", client->packets_dropped())
            .kv("reason", client->end_reason());
    };
    // The body is the raw stream until the connection closes, for HTTP/1.1 too (as udpxy and
    // msd_lite answer): chunked encoding would make httplib copy every batch twice to frame it,
    // and HTTP/1.0 set-top boxes could not decode it anyway.
    res.set_header("Connection", "close");
    res.set_content_provider("video/mpeg", provider, releaser);
}
