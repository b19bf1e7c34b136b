// stream_test.cpp - Stream's client set: viewers join and leave in constant time, and a viewer that
// has left is freed by the reader (not kept alive by its fan-out list). Fed through a FIFO.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "common/net/unique_fd.h"
#include "server/pipeline/stream.h"
#include "synthetic_ts.h"
#include "wait_until.h"

using namespace std::chrono;

namespace {
// A FIFO in a fresh directory, removed with it.
struct TempFifo {
    std::string dir;
    std::string path;
    TempFifo() {
        char pattern[] = "/tmp/stream_test.XXXXXX";
        dir = ::mkdtemp(pattern);
        path = dir + "/in.ts";
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    }
    ~TempFifo() {
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

// Writes `count` packets of one PID and waits until the reader has fanned them out, so that a
// viewer attached afterwards must not get them.
void write_packets(Stream& stream, int fd, std::size_t count, uint64_t& written) {
    for (std::size_t i = 0; i < count; ++i) {
        synthetic::Packet p = synthetic::make_packet(synthetic::PacketSpec(0x100, static_cast<uint8_t>(written++ & 0x0F)));
        REQUIRE(::write(fd, p.data(), p.size()) == static_cast<ssize_t>(p.size()));
    }
    REQUIRE(wait_until([&] { return stream.stats().packets_received == written; }));
}

StreamSettings fifo_settings(const std::string& path) {
    StreamSettings s;
    s.path = "/tv.ts";
    s.remotes.push_back(*parse_upstream_url("file://" + path).url);
    s.reconnect_delay = milliseconds(50);
    s.fast_start = false;
    return s;
}

// A started Stream reading a FIFO, and the FIFO's writing end.
struct FifoStream {
    TempFifo fifo;
    Stream stream{fifo_settings(fifo.path)};
    UniqueFd writer;
    FifoStream() {
        stream.start();
        writer = UniqueFd(::open(fifo.path.c_str(), O_WRONLY | O_CLOEXEC));  // waits for the reader's open
        REQUIRE(writer);
    }
};
}  // namespace

TEST_CASE("Stream: a viewer that left is freed at the next chunk, and counted once", "[stream]") {
    FifoStream f;
    Stream& stream = f.stream;
    UniqueFd& writer = f.writer;
    uint64_t written = 0;
    write_packets(stream, writer.get(), 10, written);
    REQUIRE(wait_until([&] { return stream.is_connected(); }));

    std::shared_ptr<Client> stays = stream.attach("127.0.0.1:1");
    std::shared_ptr<Client> leaves = stream.attach("127.0.0.1:2");
    REQUIRE(stays);
    REQUIRE(leaves);
    CHECK(stream.stats().clients == 2);
    // One that leaves before the reader has taken it over is not taken over at all.
    std::shared_ptr<Client> brief = stream.attach("127.0.0.1:3");
    REQUIRE(brief);
    CHECK(stream.stats().clients == 3);
    stream.detach(brief);
    std::weak_ptr<Client> brief_gone = brief;
    brief.reset();
    write_packets(stream, writer.get(), 10, written);
    CHECK(brief_gone.expired());
    CHECK(stream.stats().clients == 2);

    std::vector<ChunkRef> got;
    std::size_t bytes = 0;
    REQUIRE(wait_until([&] {
        if (leaves->next_chunks(got, milliseconds(10)) == Client::BatchResult::data)
            for (const ChunkRef& c : got) bytes += c->bytes.size();
        return bytes >= 10 * ts::kPacketSize;
    }));
    leaves->count_sent(bytes);

    std::weak_ptr<Client> gone = leaves;
    stream.detach(leaves);
    leaves.reset();
    StreamStats after = stream.stats();
    CHECK(after.clients == 1);
    CHECK(after.bytes_sent == bytes);  // the departed viewer's bytes, once

    // The reader still holds it until it next fans out; then it lets go.
    write_packets(stream, writer.get(), 10, written);
    CHECK(wait_until([&] { return gone.expired(); }));
    CHECK(stream.stats().bytes_sent == bytes);

    // The viewer that stayed got every packet, in order.
    std::size_t stayed_bytes = 0;
    CHECK(wait_until([&] {
        if (stays->next_chunks(got, milliseconds(10)) == Client::BatchResult::data)
            for (const ChunkRef& c : got) stayed_bytes += c->bytes.size();
        return stayed_bytes >= 20 * ts::kPacketSize;
    }));
    CHECK(stayed_bytes == 20 * ts::kPacketSize);
    stream.stop();
    CHECK(stays->is_disconnected());
}

TEST_CASE("Stream: many viewers join and leave while chunks flow; each gets every chunk after it joined", "[stream]") {
    FifoStream f;
    Stream& stream = f.stream;
    UniqueFd& writer = f.writer;
    uint64_t written = 0;
    write_packets(stream, writer.get(), 3, written);  // more than one: the framer locks on two sync bytes
    REQUIRE(wait_until([&] { return stream.is_connected(); }));

    // Joins interleaved with chunks: a joiner taken over by the reader mid-stream must neither miss
    // a chunk pushed after its attach() nor get one from before it.
    std::vector<std::shared_ptr<Client>> viewers;
    std::vector<std::weak_ptr<Client>> departed;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 20; ++i) viewers.push_back(stream.attach("127.0.0.1:" + std::to_string(1000 + round * 20 + i)));
        write_packets(stream, writer.get(), 1, written);
    }
    // Half of them leave.
    for (std::size_t i = 0; i < viewers.size(); i += 2) {
        departed.push_back(viewers[i]);
        stream.detach(viewers[i]);
        viewers[i].reset();
    }
    CHECK(stream.stats().clients == 500);
    write_packets(stream, writer.get(), 5, written);

    // Viewer k joined in round k / 20 and must receive the packets of rounds k / 20 .. 49, then the 5.
    std::vector<ChunkRef> got;
    bool all_complete = true;
    for (std::size_t k = 1; k < viewers.size(); k += 2) {
        const std::size_t expected = (50 - k / 20) + 5;
        std::size_t packets = 0;
        wait_until([&] {
            if (viewers[k]->next_chunks(got, milliseconds(10)) == Client::BatchResult::data)
                for (const ChunkRef& c : got) packets += c->packet_count();
            return packets >= expected;
        });
        if (packets != expected) {
            all_complete = false;
            FAIL_CHECK("viewer " << k << " got " << packets << " packets, expected " << expected);
        }
    }
    CHECK(all_complete);
    CHECK(wait_until([&] {
        for (const auto& d : departed)
            if (!d.expired()) return false;
        return true;
    }));
    stream.stop();
}

TEST_CASE("Stream: viewers joining while packets stream in each get a gapless run to the end", "[stream]") {
    FifoStream f;
    Stream& stream = f.stream;
    UniqueFd& writer = f.writer;
    // Each packet carries its number in the payload, so that a viewer's run can be checked exactly.
    auto packet = [](uint32_t n) {
        synthetic::Packet p = synthetic::make_packet(synthetic::PacketSpec(0x100, static_cast<uint8_t>(n & 0x0F)));
        std::memcpy(p.data() + 4, &n, sizeof n);
        return p;
    };
    for (uint32_t n = 0; n < 3; ++n) REQUIRE(::write(writer.get(), packet(n).data(), ts::kPacketSize) == ts::kPacketSize);
    REQUIRE(wait_until([&] { return stream.is_connected(); }));

    // Packets flow in bursts of 7 for as long as viewers join, and a little longer.
    std::atomic<bool> joins_done{false};
    std::atomic<uint32_t> packets{3};
    std::thread feeder([&] {
        std::vector<uint8_t> burst;
        for (int after_joins = 0; after_joins < 20;) {
            if (joins_done.load()) ++after_joins;
            burst.clear();
            for (int i = 0; i < 7; ++i) {
                auto p = packet(packets.load() + static_cast<uint32_t>(i));
                burst.insert(burst.end(), p.begin(), p.end());
            }
            if (::write(writer.get(), burst.data(), burst.size()) != static_cast<ssize_t>(burst.size())) return;
            packets += 7;
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    });
    // Joiners race the reader: some read the JoinPoint just before a chunk is published and get
    // on the stack just after, and must be caught up from the reader's recent chunks.
    std::vector<std::shared_ptr<Client>> viewers(200);
    std::vector<std::thread> joiners;
    for (int t = 0; t < 4; ++t)
        joiners.emplace_back([&, t] {
            for (int i = t; i < 200; i += 4) {
                viewers[i] = stream.attach("127.0.0.1:" + std::to_string(2000 + i));
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        });
    for (auto& j : joiners) j.join();
    joins_done = true;
    feeder.join();
    const uint32_t kPackets = packets.load();
    REQUIRE(kPackets < 20000);  // below a viewer's queue: nothing may be dropped
    REQUIRE(wait_until([&] { return stream.stats().packets_received == kPackets; }));

    std::size_t gapless = 0;
    std::vector<ChunkRef> got;
    for (std::size_t k = 0; k < viewers.size(); ++k) {
        REQUIRE(viewers[k]);
        std::vector<uint32_t> numbers;
        wait_until([&] {
            if (viewers[k]->next_chunks(got, milliseconds(10)) != Client::BatchResult::idle)
                for (const ChunkRef& c : got)
                    for (std::size_t at = 0; at < c->bytes.size(); at += ts::kPacketSize) {
                        uint32_t n;
                        std::memcpy(&n, c->bytes.data() + at + 4, sizeof n);
                        numbers.push_back(n);
                    }
            return !numbers.empty() && numbers.back() == kPackets - 1;
        });
        bool ok = !numbers.empty() && numbers.back() == kPackets - 1;
        for (std::size_t i = 1; ok && i < numbers.size(); ++i) ok = numbers[i] == numbers[i - 1] + 1;
        if (ok) ++gapless;
        else FAIL_CHECK("viewer " << k << ": " << numbers.size() << " packets, not one gapless run to the end");
    }
    CHECK(gapless == viewers.size());
    stream.stop();
}

TEST_CASE("Stream: viewers that leave while the reader takes them over are neither kept nor counted", "[stream]") {
    FifoStream f;
    Stream& stream = f.stream;
    uint64_t written = 0;
    write_packets(stream, f.writer.get(), 3, written);
    REQUIRE(wait_until([&] { return stream.is_connected(); }));

    // Chunks keep coming, so the reader takes joiners over all the time, while viewers arrive and
    // leave at once: some leave between the reader's look at them and its adding them to its set.
    std::atomic<bool> done{false};
    std::vector<std::weak_ptr<Client>> departed;
    std::thread churn([&] {
        for (int i = 0; i < 20000; ++i) {
            std::shared_ptr<Client> viewer = stream.attach("127.0.0.1:" + std::to_string(1000 + i % 50000));
            if (!viewer) continue;
            if (i % 2) std::this_thread::yield();
            stream.detach(viewer);
            departed.push_back(viewer);
        }
        done = true;
    });
    bool writes_ok = true;
    while (!done.load() && writes_ok) {
        synthetic::Packet p = synthetic::make_packet(synthetic::PacketSpec(0x100, static_cast<uint8_t>(written++ & 0x0F)));
        writes_ok = ::write(f.writer.get(), p.data(), p.size()) == static_cast<ssize_t>(p.size());
    }
    churn.join();
    REQUIRE(writes_ok);
    write_packets(stream, f.writer.get(), 5, written);
    CHECK(stream.stats().clients == 0);
    std::size_t kept = 0;
    for (const auto& d : departed) kept += !d.expired();
    CHECK(kept == 0);
    stream.stop();
}
