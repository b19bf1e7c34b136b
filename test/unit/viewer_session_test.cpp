// viewer_session_test.cpp - write_chunks: a viewer's batch goes to its socket as the chunks
// themselves, in order, in vectored writes, also when the socket takes it in pieces; a socket that
// takes nothing fails it.
#include <catch2/catch.hpp>

#include <thread>

#include "server/http/socket_stream.h"
#include "server/http/viewer_session.h"
#include "tcp_pair.h"

using namespace std::chrono;

namespace {
ChunkRef sized(std::size_t bytes, uint8_t fill) {
    auto c = std::make_shared<PacketChunk>();
    c->bytes.assign(bytes, fill);
    return c;
}
}  // namespace

TEST_CASE("write_chunks: every chunk in order, more chunks than one sendmsg takes, through a slow reader", "[viewer_session]") {
    TcpPair pair;
    const int small = 16 * 1024;
    REQUIRE(::setsockopt(pair.server.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    SocketStream socket(pair.server.get(), -1, seconds(5), seconds(5));
    std::vector<ChunkRef> batch;
    std::vector<uint8_t> expected;
    for (int i = 0; i < 1500; ++i) {  // past IOV_MAX (1024)
        batch.push_back(sized(100 + (i * 37) % 3000, static_cast<uint8_t>(i)));
        expected.insert(expected.end(), batch.back()->bytes.begin(), batch.back()->bytes.end());
    }
    std::vector<uint8_t> received;
    std::thread reader([&] {
        std::vector<uint8_t> buf(4096);
        while (received.size() < expected.size()) {
            const ssize_t n = ::recv(pair.client.get(), buf.data(), buf.size(), 0);
            if (n <= 0) return;
            received.insert(received.end(), buf.begin(), buf.begin() + n);
        }
    });
    std::size_t sent = 0;
    std::vector<iovec> iov;
    CHECK(write_chunks(socket, batch, iov, sent));
    reader.join();
    CHECK(sent == expected.size());
    CHECK(received == expected);
}

TEST_CASE("write_chunks: a socket that takes nothing for the write timeout fails with EAGAIN", "[viewer_session]") {
    TcpPair pair;
    SocketStream socket(pair.server.get(), -1, seconds(5), milliseconds(200));
    std::vector<ChunkRef> batch(64, sized(256 * 1024, 1));  // 16 MiB: more than both buffers hold
    std::size_t sent = 0;
    std::vector<iovec> iov;
    CHECK_FALSE(write_chunks(socket, batch, iov, sent));
    CHECK(socket.write_error() == EAGAIN);
    CHECK(sent == 0);  // counted per vectored write that went out whole
}
