// http_server.h - httplib::Server that runs each accepted connection itself, through the one hook
// httplib 0.11.4 has on accepted sockets (process_and_close_socket): request heads bounded in bytes and
// time, pipelined requests kept, Range ignored, absolute-form targets routed by their path, and
// headers that say what the connection will do.
// Connection threads run the hook; stop() may be called from any thread.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>

#include "common/net/net.h"

class SocketStream;

class HttpServer : public httplib::Server {
public:
    // A longer request head is answered 431 and the connection closed. Node.js's default: twice
    // httplib's limit for one line (8 KiB) and far above what players send (a few hundred bytes), while
    // a thousand connections still hold at most 16 MiB of heads.
    static constexpr std::size_t kMaxHeadBytes = 16 * 1024;

    // Owns the post-routing handler (do not set another): it fixes the headers of every response.
    HttpServer();

    // Stops accepting (Server::stop) and ends at once every connection waiting for a request or for
    // room in its socket, which would otherwise hold the shutdown up to the keep-alive or write
    // timeout. Hides Server::stop(): call it on HttpServer.
    void stop();

private:
    // The keep-alive loop around process_request. Closes the socket.
    bool process_and_close_socket(socket_t sock) override;
    // Reads the next head within `wait` and answers it; false when the connection is to close.
    bool serve_one(SocketStream& stream, std::chrono::milliseconds wait, bool last);
    bool is_stopping() const { return svr_sock_ == INVALID_SOCKET; }

    StopSignal stop_;
};
