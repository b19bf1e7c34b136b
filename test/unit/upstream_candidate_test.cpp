// upstream_candidate_test.cpp - UpstreamCandidate against a tcp:// upstream on 127.0.0.1: ready at
// the first keyframe with the packets from the PAT before it; what take() hands over and what the
// taken connection reads next follow each other without a lost or repeated packet; a connection
// that ends, or never sends a keyframe, fails with the reason.
#include <catch2/catch.hpp>
#include <sys/socket.h>

#include "common/ts/continuity.h"
#include "refusing_port.h"
#include "server/pipeline/upstream_candidate.h"
#include "synthetic_program.h"
#include "wait_until.h"

using namespace std::chrono;
using synthetic::Program;

namespace {
struct Listener {
    UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    uint16_t port = ntohs(bind_to_loopback(fd.get()).sin_port);
    Listener() { REQUIRE(::listen(fd.get(), 1) == 0); }
    UniqueFd accept() { return UniqueFd(::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC)); }
};

UpstreamCandidate::Settings settings_for(const Listener& listener, milliseconds deadline = milliseconds(3000)) {
    UpstreamCandidate::Settings s;
    s.remote = *parse_upstream_url("tcp://127.0.0.1:" + std::to_string(listener.port));
    s.options.stream = "/test.ts";
    s.options.connect_timeout = milliseconds(1000);
    s.options.read_timeout = deadline;
    s.deadline = deadline;
    s.read_size = 64 * ts::kPacketSize;
    return s;
}

void send_all(int fd, const std::vector<uint8_t>& bytes) {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size()));
}

uint16_t pid_at(const std::vector<uint8_t>& packets, std::size_t i) { return ts::PacketView(packets.data() + i * ts::kPacketSize).pid(); }
}  // namespace

TEST_CASE("UpstreamCandidate: ready at a keyframe; the handover and the next reads lose nothing", "[upstream_candidate]") {
    Listener listener;
    UpstreamCandidate candidate(settings_for(listener));
    UniqueFd peer = listener.accept();
    REQUIRE(peer);
    Program program;
    send_all(peer.get(), program.payload(5));  // before any PAT: no viewer can start here
    CHECK(candidate.status() == UpstreamCandidate::Status::trying);
    const std::vector<uint8_t> gop = program.gop(2, 4);  // PAT PMT K p p p P p p p P p p p
    send_all(peer.get(), gop);
    REQUIRE(wait_until([&] { return candidate.status() == UpstreamCandidate::Status::ready; }));
    // Sent while it is ready: it goes on reading (and keeps them), or they wait in the socket.
    const std::vector<uint8_t> more = program.payload(20);
    send_all(peer.get(), more);

    StopSignal reader_stop;
    UpstreamOptions reader_options;
    reader_options.stop_fd = reader_stop.fd();
    reader_options.read_timeout = milliseconds(2000);
    std::optional<UpstreamCandidate::Handover> handover = candidate.take(reader_options);
    REQUIRE(handover);
    REQUIRE(handover->upstream);
    std::vector<uint8_t> stream = handover->packets;
    REQUIRE(stream.size() >= gop.size());
    CHECK(pid_at(stream, 0) == ts::kPidPat);
    CHECK(pid_at(stream, 1) == Program::kPmtPid);

    // The connection now reads for the new owner, where the candidate left off: the handover and
    // the reads after it are exactly what was sent from the PAT on.
    const std::vector<uint8_t> after = program.payload(10);
    send_all(peer.get(), after);
    std::vector<uint8_t> expected = gop;
    Program::append(expected, more);
    Program::append(expected, after);
    std::vector<uint8_t> buf(4096);
    while (stream.size() < expected.size()) {
        const long n = handover->upstream->read(buf.data(), buf.size());
        REQUIRE(n > 0);
        stream.insert(stream.end(), buf.begin(), buf.begin() + n);
    }
    CHECK(stream == expected);
    ContinuityChecker continuity;
    for (std::size_t i = 0; i < stream.size(); i += ts::kPacketSize) continuity.check(stream.data() + i);
    CHECK(continuity.errors() == 0);
}

TEST_CASE("UpstreamCandidate: an upstream that ends or sends no keyframe fails with the reason", "[upstream_candidate]") {
    Listener listener;
    SECTION("ends") {
        UpstreamCandidate candidate(settings_for(listener));
        listener.accept();  // closed at once
        REQUIRE(wait_until([&] { return candidate.status() == UpstreamCandidate::Status::failed; }));
        CHECK(candidate.error() == "end of stream");
    }
    SECTION("no keyframe") {
        UpstreamCandidate candidate(settings_for(listener, milliseconds(300)));
        UniqueFd peer = listener.accept();
        Program program;
        for (int i = 0; i < 20 && candidate.status() == UpstreamCandidate::Status::trying; ++i) {
            std::vector<uint8_t> tables = program.pat();
            Program::append(tables, program.pmt());
            Program::append(tables, program.payload(3));
            send_all(peer.get(), tables);
            std::this_thread::sleep_for(milliseconds(50));
        }
        REQUIRE(wait_until([&] { return candidate.status() == UpstreamCandidate::Status::failed; }));
        CHECK(candidate.error() == "no keyframe within 0.3 s");
    }
}
