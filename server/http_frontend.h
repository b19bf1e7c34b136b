// http_frontend.h - the HTTP side: listens, runs every connection on its own thread, routes paths
// to streams and answers 200/404/503. The only server file that sees httplib.h.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "stream.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

using StreamMap = std::map<std::string, std::unique_ptr<Stream>>;

class HttpFrontend {
public:
    // `streams` must outlive the frontend; it is only read.
    HttpFrontend(const Config& config, const StreamMap& streams);
    ~HttpFrontend();

    // Binds and starts accepting on a thread of its own. False with `error` when it cannot bind.
    bool start(std::string& error);
    // Stops accepting, ends every viewer's response, joins every connection thread. Idempotent.
    void stop();
    // The bound address, e.g. "127.0.0.1:8000" (the real port when the config asked for 0).
    const std::string& address() const { return address_; }

private:
    void handle_get(const httplib::Request& req, httplib::Response& res);
    void serve_stream(Stream& stream, const httplib::Request& req, httplib::Response& res);
    bool reserve_viewer();
    void release_viewer() { viewers_.fetch_sub(1, std::memory_order_relaxed); }

    const Config& config_;
    const StreamMap& streams_;
    std::unique_ptr<httplib::Server> server_;
    std::thread listener_;
    std::string address_;
    std::atomic<unsigned> viewers_{0};
};
