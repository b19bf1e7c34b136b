// http_server_test.cpp - HttpServer on a loopback port, spoken to byte by byte: pipelined requests,
// Range ignored, honest Connection headers, head bounds (431, 408), the write timeout, prompt stop.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/net/net.h"
#include "common/net/listener.h"
#include "server/http/http_server.h"
#include "server/http/liveness_probe.h"
#include "wait_until.h"

using namespace std::chrono;

namespace {
// An HttpServer answering as the frontend does (everything before httplib's router):
// /hello is "hello", /stream an endless body without length and with Connection: close.
class TestServer {
public:
    explicit TestServer(milliseconds read_timeout = seconds(5), milliseconds write_timeout = seconds(5)) {
        Listener listener = listen_tcp("127.0.0.1", "0", ListenOptions{});
        REQUIRE(listener.fd);
        port_ = std::stoi(listener.address.substr(listener.address.rfind(':') + 1));
        server_ = std::make_unique<HttpServer>(std::move(listener.fd));
        server_->set_request_timeout(read_timeout);
        server_->set_read_timeout(read_timeout);
        server_->set_write_timeout(write_timeout);
        server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (req.path == "/stream") serve_stream(res);
            else res.set_content(req.path == "/hello" ? "hello" : "other", "text/plain");
            return httplib::Server::HandlerResponse::Handled;
        });
        thread_ = std::thread([this] { server_->run(64); });
    }
    ~TestServer() { stop(); }
    void stop() {
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }
    int port() const { return port_; }
    std::atomic<bool> stream_write_failed{false};

private:
    void serve_stream(httplib::Response& res) {
        res.set_header("Connection", "close");
        res.set_content_provider("video/mpeg", [this](size_t, httplib::DataSink& sink) {
            const std::string batch(64 * 1024, 'x');
            if (sink.write(batch.data(), batch.size())) return true;
            stream_write_failed = true;
            return false;
        });
    }

    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    int port_ = 0;
};

UniqueFd connect_to(int port) {
    std::string error;
    UniqueFd fd = connect_tcp("127.0.0.1", static_cast<uint16_t>(port), -1, seconds(5), error);
    REQUIRE(fd);
    return fd;
}

// Reads until the server closes or `limit` passes; `closed` says which.
std::string read_all(int fd, milliseconds limit, bool* closed = nullptr) {
    std::string out, error;
    char buf[16 * 1024];
    const auto deadline = steady_clock::now() + limit;
    for (;;) {
        const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0) break;
        const long n = read_with_deadline(fd, buf, sizeof buf, -1, left, error);
        if (n <= 0) {
            if (closed) *closed = n == 0 || error.find("reset") != std::string::npos;
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    if (closed) *closed = false;
    return out;
}

// Sends `request` on a new connection and returns all the server sends before closing (5 s at most).
std::string exchange(int port, const std::string& request, bool* closed = nullptr) {
    UniqueFd fd = connect_to(port);
    REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
    return read_all(fd.get(), seconds(5), closed);
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// The head of the first response, without its empty line.
std::string head_of(const std::string& response) { return response.substr(0, response.find("\r\n\r\n") + 2); }
}  // namespace

TEST_CASE("HttpServer: pipelined requests are all answered, in order, on one connection", "[http_server]") {
    TestServer server;
    bool closed = false;
    const std::string answers = exchange(server.port(),
                                         "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
                                         "GET /other HTTP/1.1\r\nHost: a\r\n\r\n"
                                         "GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                                         &closed);
    CHECK(closed);
    CHECK(count(answers, "HTTP/1.1 200 OK\r\n") == 3);
    const auto first = answers.find("\r\n\r\nhello"), second = answers.find("\r\n\r\nother");
    CHECK(first < second);
    CHECK(answers.find("\r\n\r\nhello", second) != std::string::npos);
    // Only the last response says close, and none says both.
    CHECK(count(answers, "Keep-Alive: timeout=5") == 2);
    CHECK(count(answers, "Connection: close\r\n") == 1);
}

TEST_CASE("HttpServer: one keep-alive connection serves kKeepAliveRequests requests, the last says close", "[http_server]") {
    TestServer server;
    std::string requests;
    for (std::size_t i = 0; i <= HttpServer::kKeepAliveRequests; ++i) requests += "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
    bool closed = false;
    const std::string answers = exchange(server.port(), requests, &closed);
    CHECK(closed);
    CHECK(HttpServer::kKeepAliveRequests == 100);  // an HLS player's playlists and segments for minutes
    CHECK(count(answers, "HTTP/1.1 200 OK\r\n") == HttpServer::kKeepAliveRequests);
    CHECK(count(answers, "Connection: close\r\n") == 1);
    CHECK(answers.find("Connection: close\r\n") > answers.rfind("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("HttpServer: Range is ignored: 200, the whole body, Accept-Ranges: none", "[http_server]") {
    TestServer server;
    const char* range = GENERATE("bytes=0-", "bytes=1-2", "bytes=100-200", "bytes=5-2", "pages=1", "bytes=0-0,1-1");
    const std::string answer = exchange(server.port(), std::string("GET /hello HTTP/1.1\r\nRange: ") + range +
                                                           "\r\nConnection: close\r\n\r\n");
    INFO(answer);
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find("Accept-Ranges: none\r\n") != std::string::npos);
    CHECK(answer.find("Content-Range") == std::string::npos);
    CHECK(answer.substr(answer.size() - 9) == "\r\n\r\nhello");
}

TEST_CASE("HttpServer: a stream says Connection: close without Keep-Alive, HEAD alike, and then closes", "[http_server]") {
    TestServer server;
    UniqueFd get = connect_to(server.port());
    const std::string request = "GET /stream HTTP/1.1\r\nHost: a\r\nRange: bytes=0-\r\n\r\n";
    REQUIRE(::send(get.get(), request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
    const std::string get_head = head_of(read_all(get.get(), milliseconds(200)));
    get.reset();
    bool closed = false;
    const std::string head = exchange(server.port(), "HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\n", &closed);
    CHECK(closed);
    CHECK(head_of(head) + "\r\n" == head);  // no body
    // Identical but for the date (both within the same second, most of the time).
    auto without_date = [](std::string h) { return h.erase(h.find("Date: "), h.find("\r\n", h.find("Date: ")) - h.find("Date: ")); };
    CHECK(without_date(head_of(head)) == without_date(get_head));
    CHECK(get_head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(get_head.find("Connection: close\r\n") != std::string::npos);
    CHECK(get_head.find("Keep-Alive") == std::string::npos);
    CHECK(get_head.find("Transfer-Encoding") == std::string::npos);
    CHECK(get_head.find("Accept-Ranges: none\r\n") != std::string::npos);
}

TEST_CASE("HttpServer: HTTP/1.0 closes unless asked to keep alive, and says which", "[http_server]") {
    TestServer server;
    bool closed = false;
    const std::string plain = exchange(server.port(), "GET /hello HTTP/1.0\r\n\r\n", &closed);
    CHECK(closed);
    CHECK(plain.find("Connection: close\r\n") != std::string::npos);
    CHECK(plain.find("Keep-Alive") == std::string::npos);

    UniqueFd fd = connect_to(server.port());
    const std::string request = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
    const std::string kept = read_all(fd.get(), milliseconds(300), &closed);
    CHECK_FALSE(closed);
    CHECK(kept.find("Connection: keep-alive\r\n") != std::string::npos);
}

TEST_CASE("HttpServer: a body no handler read is not taken for a request: the connection closes", "[http_server]") {
    TestServer server;
    bool closed = false;
    const std::string answers =
        exchange(server.port(), "POST /hello HTTP/1.1\r\nContent-Length: 30\r\n\r\nGET /other HTTP/1.1\r\nHost: a\r\n\r\n", &closed);
    CHECK(closed);
    CHECK(count(answers, "HTTP/1.1") == 1);
    CHECK(answers.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("HttpServer: a head over 16 KiB is answered 431 and closed, even while more is coming", "[http_server]") {
    TestServer server;
    const std::string big(HttpServer::kMaxHeadBytes, 'a');
    bool closed = false;
    const std::string answer = exchange(server.port(), "GET /hello HTTP/1.1\r\nX: " + big + big + "\r\n\r\n", &closed);
    CHECK(closed);
    CHECK(answer.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
    // A head of exactly the limit is served (in lines of 1000 bytes: httplib refuses lines over 8 KiB).
    std::string fits = "GET /hello HTTP/1.1\r\nConnection: close\r\n";
    while (fits.size() + 1000 + 2 <= HttpServer::kMaxHeadBytes) fits += "X: " + std::string(1000 - 5, 'a') + "\r\n";
    fits += "Y: " + std::string(HttpServer::kMaxHeadBytes - fits.size() - 7, 'a') + "\r\n\r\n";
    REQUIRE(fits.size() == HttpServer::kMaxHeadBytes);
    CHECK(exchange(server.port(), fits).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("HttpServer: a head still incomplete when the read timeout has passed since the accept gets 408", "[http_server]") {
    TestServer server(milliseconds(300));
    UniqueFd fd = connect_to(server.port());
    const auto started = steady_clock::now();
    StopSignal done;
    std::thread trickle([&] {
        for (char c : std::string("GET /hello HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) {
            if (done.wait_for(milliseconds(20))) return;
            ::send(fd.get(), &c, 1, MSG_NOSIGNAL);
        }
    });
    bool closed = false;
    const std::string answer = read_all(fd.get(), seconds(5), &closed);
    const auto took = steady_clock::now() - started;
    done.signal();
    trickle.join();
    CHECK(closed);
    CHECK(answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(took >= milliseconds(290));
    CHECK(took < seconds(2));  // the linger ends when the peer is gone or after 1 s
}

TEST_CASE("HttpServer: a viewer whose socket accepts nothing fails its write after the write timeout", "[http_server]") {
    TestServer server(seconds(5), milliseconds(300));
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int small = 4096;
    REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string request = "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n";
    REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
    // Never read: the server's writes fill the socket, and one waits 300 ms in vain.
    CHECK(wait_until([&] { return server.stream_write_failed.load(); }));
}

TEST_CASE("HttpServer: stop() ends connections waiting for a request at once", "[http_server]") {
    TestServer server(seconds(30));
    UniqueFd idle = connect_to(server.port());  // never sends
    UniqueFd kept = connect_to(server.port());  // waits for its next request
    const std::string request = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
    REQUIRE(::send(kept.get(), request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
    bool closed = false;
    REQUIRE(read_all(kept.get(), milliseconds(200), &closed).find("hello") != std::string::npos);
    REQUIRE_FALSE(closed);
    const auto started = steady_clock::now();
    server.stop();  // joins every connection thread
    CHECK(steady_clock::now() - started < seconds(2));
    read_all(idle.get(), milliseconds(500), &closed);
    CHECK(closed);
}

TEST_CASE("HttpServer: OPTIONS * is answered before routing, and the liveness probe reads it", "[http_server]") {
    TestServer server;
    const std::string answer = exchange(server.port(), kLivenessProbeRequest);
    CHECK(answer.rfind(kLivenessProbeStatusLine, 0) == 0);
    CHECK(answer.find("Allow: GET, HEAD, POST, OPTIONS\r\n") != std::string::npos);
    CHECK(answer.find("other") == std::string::npos);  // the router's answer to any other target
    std::string error;
    CHECK(probe_acceptor("127.0.0.1:" + std::to_string(server.port()), seconds(2), error));
    CHECK(probe_acceptor(":" + std::to_string(server.port()), seconds(2), error));  // a wildcard: the loopback
}

TEST_CASE("liveness probe: a socket that is listening but never accepts fails within the timeout", "[http_server]") {
    Listener listener = listen_tcp("127.0.0.1", "0", ListenOptions{});  // the kernel completes connects; nobody answers
    REQUIRE(listener.fd);
    std::string error;
    const auto start = steady_clock::now();
    CHECK_FALSE(probe_acceptor(listener.address, milliseconds(300), error));
    CHECK(steady_clock::now() - start < seconds(2));
    CHECK(error.find("no answer within 300 ms") != std::string::npos);
}
