// socket_stream_test.cpp - SocketStream on real loopback TCP sockets: one send per write, the write
// timeout, request heads bounded in bytes and in total time, pipelined bytes kept, Range removed.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"
#include "tcp_pair.h"
#include "server/http/socket_stream.h"

using namespace std::chrono;
using Head = SocketStream::HeadResult;

namespace {
// Everything the stream holds now, read the way httplib reads a head: one byte at a time.
std::string read_buffered(SocketStream& stream) {
    std::string out(stream.buffered(), '\0');
    for (char& c : out) REQUIRE(stream.read(&c, 1) == 1);
    return out;
}

SocketStream::Clock::time_point in(milliseconds delay) { return SocketStream::Clock::now() + delay; }
}  // namespace

TEST_CASE("SocketStream: a head split over reads is whole at its empty line; a pipelined next request is kept", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    // Empty lines before a request line are dropped (RFC 9112 section 2.2).
    pair.send("\r\nGET /a HTTP/1.1\r\nHo");
    const std::string later = "st: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    std::thread rest([&] { ::send(pair.client.get(), later.data(), later.size(), MSG_NOSIGNAL); });  // no Catch off the main thread
    REQUIRE(stream.read_head(1024, in(seconds(5))) == Head::complete);
    rest.join();
    // The second request may or may not have been read with the first: read_head finds it either way.
    const std::string expected = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string first(expected.size(), '\0');
    for (char& c : first) REQUIRE(stream.read(&c, 1) == 1);
    CHECK(first == expected);
    REQUIRE(stream.read_head(1024, in(seconds(5))) == Head::complete);
    CHECK(read_buffered(stream) == "GET /b HTTP/1.1\r\n\r\n");
}

TEST_CASE("SocketStream: a head is bounded in bytes, empty lines before it included", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(64 - 23, 'a') + "\r\n\r\n";
    REQUIRE(head.size() == 64);
    SECTION("exactly the limit") {
        pair.send(head);
        CHECK(stream.read_head(64, in(seconds(5))) == Head::complete);
    }
    SECTION("one byte over it") {
        pair.send("\n" + head);
        CHECK(stream.read_head(64, in(seconds(5))) == Head::too_large);
    }
    SECTION("no empty line within the limit, while more is still coming") {
        pair.send(std::string(100, 'a'));
        CHECK(stream.read_head(64, in(seconds(5))) == Head::too_large);
    }
    SECTION("only empty lines") {
        pair.send(std::string(40, '\r') + std::string(40, '\n'));
        CHECK(stream.read_head(64, in(seconds(5))) == Head::too_large);
    }
    SECTION("a head longer than the first buffer grows it") {
        const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(10000, 'b') + "\r\n\r\n";
        pair.send(big);
        REQUIRE(stream.read_head(16 * 1024, in(seconds(5))) == Head::complete);
        CHECK(read_buffered(stream) == big);
    }
}

TEST_CASE("SocketStream: a trickled head times out at its deadline, however often bytes arrive", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    StopSignal done;
    // One byte every 20 ms: each read succeeds long before a per-read timeout would pass.
    std::thread trickle([&] {
        for (char c : std::string("GET / HTTP/1.1\r\nX: ") + std::string(200, 'a')) {
            if (done.wait_for(milliseconds(20))) return;
            ::send(pair.client.get(), &c, 1, MSG_NOSIGNAL);
        }
    });
    const auto started = SocketStream::Clock::now();
    const Head result = stream.read_head(16 * 1024, started + milliseconds(300));
    const auto took = SocketStream::Clock::now() - started;
    done.signal();
    trickle.join();
    CHECK(result == Head::timed_out);
    CHECK(stream.buffered() > 0);  // a partial head: the server answers 408
    CHECK(took >= milliseconds(300));
}

TEST_CASE("SocketStream: the stop signal ends a wait for a head; a closed peer ends it too", "[socket_stream]") {
    TcpPair pair;
    StopSignal stop;
    SocketStream stream(pair.server.get(), stop.fd(), seconds(5), seconds(5));
    SECTION("stop, before or while waiting") {
        std::thread stopper([&] { stop.signal(); });
        CHECK(stream.read_head(1024, in(seconds(30))) == Head::stopped);
        stopper.join();
    }
    SECTION("peer closes after half a head") {
        pair.send("GET / HT");
        pair.client.reset();
        CHECK(stream.read_head(1024, in(seconds(30))) == Head::closed);
    }
}

TEST_CASE("SocketStream: remove_field drops every line of that field and nothing else", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    pair.send("GET /range: HTTP/1.1\r\nRange: bytes=0-\r\nX-Range: 1\r\nrange:5-\r\nRanges: 2\r\nRANGE: x\r\n\r\nGET /next");
    REQUIRE(stream.read_head(1024, in(seconds(5))) == Head::complete);
    stream.remove_field("range");
    const std::string expected = "GET /range: HTTP/1.1\r\nX-Range: 1\r\nRanges: 2\r\n\r\nGET /next";
    std::string rest(expected.size(), '\0');
    for (char& c : rest) REQUIRE(stream.read(&c, 1) == 1);
    CHECK(rest == expected);
}

TEST_CASE("SocketStream: a write is one send of the whole buffer; is_writable asks the kernel nothing", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    const std::vector<char> data(4 * 1024 * 1024, 'x');  // far more than both socket buffers hold
    std::size_t received = 0;
    std::thread reader([&] {
        std::vector<char> buf(64 * 1024);
        while (received < data.size()) {
            const ssize_t n = ::recv(pair.client.get(), buf.data(), buf.size(), 0);
            if (n <= 0) return;
            received += static_cast<std::size_t>(n);
        }
    });
    // A blocking send returns once all is queued, however many times the reader had to drain.
    CHECK(stream.write(data.data(), data.size()) == ssize_t(data.size()));
    reader.join();
    CHECK(received == data.size());
    CHECK(stream.is_writable());
}

TEST_CASE("SocketStream: a socket that takes nothing for the write timeout fails the write, for good", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), milliseconds(200));
    const std::vector<char> data(256 * 1024, 'x');
    ssize_t n = 0;
    auto took = milliseconds(0);
    // The peer never reads: writes fill both buffers, then one waits 200 ms for room and fails,
    // the one that queued the last bytes included (a blocking send would wait twice).
    for (int i = 0; i < 1000 && n >= 0; ++i) {
        const auto started = steady_clock::now();
        n = stream.write(data.data(), data.size());
        took = duration_cast<milliseconds>(steady_clock::now() - started);
    }
    REQUIRE(n == -1);
    CHECK(stream.write_error() == EAGAIN);
    CHECK(took >= milliseconds(190));
    CHECK(took < milliseconds(390));
    CHECK_FALSE(stream.is_writable());
    CHECK(stream.write(data.data(), 1) == -1);  // no further send after a failure
}

TEST_CASE("SocketStream: a peer that reads slowly but steadily is waited for, however long the write", "[socket_stream]") {
    TcpPair pair;
    const int small = 16 * 1024;
    REQUIRE(::setsockopt(pair.server.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    REQUIRE(::setsockopt(pair.client.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    SocketStream stream(pair.server.get(), -1, seconds(5), milliseconds(300));
    const std::vector<char> data(512 * 1024, 'x');
    StopSignal done;
    std::size_t received = 0;
    // 32 KiB every 50 ms: the write takes most of a second, and no wait for room lasts 300 ms.
    std::thread reader([&] {
        std::vector<char> buf(32 * 1024);
        while (received < data.size() && !done.wait_for(milliseconds(50))) {
            const ssize_t n = ::recv(pair.client.get(), buf.data(), buf.size(), MSG_DONTWAIT);
            if (n > 0) received += static_cast<std::size_t>(n);
            if (n == 0) return;
        }
    });
    const auto started = steady_clock::now();
    CHECK(stream.write(data.data(), data.size()) == ssize_t(data.size()));
    CHECK(steady_clock::now() - started > milliseconds(300));
    reader.join();
    CHECK(received == data.size());
}

TEST_CASE("SocketStream: the stop signal ends a write waiting for room", "[socket_stream]") {
    TcpPair pair;
    StopSignal stop;
    SocketStream stream(pair.server.get(), stop.fd(), seconds(5), seconds(30));
    const std::vector<char> data(32 * 1024 * 1024, 'x');  // more than both buffers hold
    std::thread stopper([&] { stop.signal(); });
    CHECK(stream.write(data.data(), data.size()) == -1);
    stopper.join();
    CHECK(stream.write_error() == ECANCELED);
}

TEST_CASE("SocketStream: the peer's address is reported as httplib reports it", "[socket_stream]") {
    TcpPair pair;
    SocketStream stream(pair.server.get(), -1, seconds(5), seconds(5));
    std::string ip;
    int port = 0;
    stream.get_remote_ip_and_port(ip, port);
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    REQUIRE(::getsockname(pair.client.get(), reinterpret_cast<sockaddr*>(&peer), &length) == 0);
    CHECK(ip == "127.0.0.1");
    CHECK(port == ntohs(peer.sin_port));
    stream.get_local_ip_and_port(ip, port);
    CHECK(ip == "127.0.0.1");
}
