// http_server.h - httplib::Server used for its request parser and router only: the accept loop and each
// connection's keep-alive loop are ours (httplib 0.11.4 cannot bound a request head, keeps no pipelined
// request and hides accept() failures). Request heads bounded in bytes and time, pipelined requests
// kept, Range ignored, absolute-form targets routed by their path, and headers that say what the
// connection will do.
// run() on one thread; stop() and the getters from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

#include "common/log_limiter.h"
#include "common/net/net.h"
#include "server/http/acceptor.h"

class SocketStream;

class HttpServer : public httplib::Server {
public:
    // A longer request head is answered 431 and the connection closed. Node.js's default: twice
    // httplib's limit for one line (8 KiB) and far above what players send (a few hundred bytes), while
    // a thousand connections still hold at most 16 MiB of heads.
    static constexpr std::size_t kMaxHeadBytes = 16 * 1024;
    // Requests served on one keep-alive connection before it is closed.
    static constexpr std::size_t kKeepAliveRequests = 100;

    // Owns the post-routing handler (do not set another): it fixes the headers of every response.
    // `listener` is a listening socket (listen_tcp).
    explicit HttpServer(UniqueFd listener);
    ~HttpServer() override;

    // Accepts and serves each connection on a thread of its own, at most `max_threads` at once (further
    // connections wait in the listen backlog), until stop(). Returns once every connection has ended.
    void run(std::size_t max_threads);
    // Stops accepting and ends at once every connection waiting for a request or for room in its
    // socket, which would otherwise hold the shutdown up to the request or write timeout. Every wait
    // of a connection polls the one stop signal, so no registry of sockets is needed for this.
    // Hides Server::stop(): call it on HttpServer.
    void stop();

    // How long a request head may take to arrive whole, from the connection's start or, on a kept-alive
    // connection, from the previous response's end. Any thread; applies to the next head.
    void set_request_timeout(std::chrono::milliseconds timeout) { request_timeout_ms_.store(timeout.count()); }
    // accept() lacked descriptors within the last few seconds (/health reports it).
    bool descriptors_exhausted() const { return acceptor_->descriptors_exhausted(); }
    uint64_t accept_failures() const { return acceptor_->accept_failures(); }
    // On a connection's thread: the connection was accepted on a reserve descriptor. It gets one
    // request, and a stream must not keep it: answer 503.
    static bool serving_on_reserve();
    // On a connection's thread: the request's Range field (empty when none). httplib never sees it
    // (see serve_one); a handler that answers it itself calls answer_ranges(), which makes the
    // response say Accept-Ranges: bytes instead of none.
    static const std::string& range_field();
    static void answer_ranges();

private:
    // The keep-alive loop around process_request. Closes the socket.
    void serve_connection(int fd, bool on_reserve);
    // Reads the next head within `wait` and answers it; false when the connection is to close.
    bool serve_one(SocketStream& stream, std::chrono::milliseconds wait, bool last);
    // Answers a head that cannot be served, logging it once a minute per client address at most.
    void refuse(SocketStream& stream, const char* status_line, const std::string& reason);
    bool is_stopping() const { return stop_.is_signalled(); }

    StopSignal stop_;
    std::unique_ptr<Acceptor> acceptor_;
    std::atomic<long> request_timeout_ms_{5000};
    LogLimiter refusal_log_;
};
