// output_splitter_test.cpp - OutputSplitter on a synthetic two-program multiplex: 503 before any PAT,
// 404 for a program the PAT lacks, one output per program made once, its viewers get that program
// alone while the main output gets everything, and a program that leaves the PAT closes its viewers
// after the grace. The test thread plays the reader and the HTTP threads in turn.
#include <catch2/catch.hpp>

#include <set>

#include "server/pipeline/output_splitter.h"
#include "stderr_capture.h"
#include "synthetic_psi.h"

using namespace std::chrono;
using synthetic::EsInfo;
using synthetic::Packet;

namespace {

class Mux {
public:
    // PAT (101 and 102, or only those given), both PMTs, and a keyframe on each video PID.
    std::vector<uint8_t> read(std::vector<std::pair<uint16_t, uint16_t>> programs = {{101, 0x1000}, {102, 0x1001}}) {
        std::vector<uint8_t> out;
        add(out, synthetic::packetize(ts::kPidPat, {synthetic::make_pat(0, programs)}));
        add(out, synthetic::packetize(0x1000, {synthetic::make_pmt(101, 0, 0x100, {EsInfo{0x1B, 0x100, {}}})}));
        add(out, synthetic::packetize(0x1001, {synthetic::make_pmt(102, 0, 0x200, {EsInfo{0x1B, 0x200, {}}})}));
        for (uint16_t pid : {0x100, 0x200}) {
            synthetic::PacketSpec spec(pid, 0);
            spec.pcr = 0;
            spec.pts = 0;
            Packet p = synthetic::make_packet(spec);
            p[5] |= 0x40;  // random_access_indicator: a keyframe
            add(out, {p});
        }
        return out;
    }

private:
    void add(std::vector<uint8_t>& out, std::vector<Packet> packets) {
        for (Packet& p : packets) {
            const uint16_t pid = ts::PacketView(p.data()).pid();
            ts::set_continuity_counter(p.data(), cc_[pid]++);
            out.insert(out.end(), p.begin(), p.end());
        }
    }
    std::array<uint8_t, 8192> cc_{};
};

std::set<uint16_t> pids_of(Viewer& viewer) {
    std::vector<ChunkRef> batch;
    std::set<uint16_t> pids;
    while (viewer.next_batch(batch, 1, milliseconds(0)) == PacketQueue::PopResult::data) {
        for (const ChunkRef& c : batch) {
            for (std::size_t i = 0; i < c->bytes.size(); i += ts::kPacketSize) pids.insert(ts::PacketView(&c->bytes[i]).pid());
        }
    }
    return pids;
}


}  // namespace

TEST_CASE("OutputSplitter: program outputs of one upstream, made on first use, each with its own program", "[output_splitter]") {
    StderrCapture log;
    StreamSettings settings;
    settings.path = "/mux.ts";
    OutputSplitter splitter(settings, ProgramSelection{}, milliseconds(0));
    Mux mux;
    splitter.upstream_connected(false);
    const ProgramLookup early = splitter.output_for(102, steady_clock::now());
    CHECK(early.status == 503);
    CHECK(early.reason == "no PAT from the upstream yet");

    splitter.packets_received(mux.read());
    const ProgramLookup missing = splitter.output_for(999, steady_clock::now());
    CHECK(missing.status == 404);
    CHECK(missing.reason == "program 999 is not in the upstream's PAT (programs: 101,102)");
    const ProgramLookup found = splitter.output_for(102, steady_clock::now());
    REQUIRE(found.stream);
    CHECK(found.stream->path() == "/mux.ts?program=102");
    CHECK(splitter.output_for(102, steady_clock::now()).stream == found.stream);  // made once
    CHECK(splitter.outputs().size() == 2);

    splitter.packets_received(mux.read());  // the reader takes the new output on and starts it
    CHECK(found.stream->wait_for_start(steady_clock::now()).ready);
    auto program_viewer = found.stream->attach("127.0.0.1:1");
    auto main_viewer = splitter.main()->attach("127.0.0.1:2");
    REQUIRE(program_viewer);
    REQUIRE(main_viewer);
    CHECK_FALSE(splitter.idle_since());
    splitter.packets_received(mux.read());
    CHECK(pids_of(*program_viewer) == std::set<uint16_t>{0, 0x1001, 0x200});
    CHECK(pids_of(*main_viewer) == std::set<uint16_t>{0, 0x1000, 0x1001, 0x100, 0x200});
    const std::vector<OutputRow> rows = splitter.outputs();
    CHECK_FALSE(rows[0].filtered);
    CHECK(rows[1].filtered);
    CHECK(rows[1].packets_passed > 0);
    CHECK(rows[1].packets_dropped > 0);

    // Program 102 leaves the PAT: its output is no longer live, and (grace 0) its viewers are closed.
    splitter.packets_received(mux.read({{101, 0x1000}}));
    CHECK(program_viewer->is_disconnected());
    CHECK_FALSE(main_viewer->is_disconnected());
    CHECK_FALSE(found.stream->attach("127.0.0.1:3"));
    CHECK(log.lines_with("event=program_gone stream=\"/mux.ts?program=102\" reason=\"program 102 is not in the upstream's PAT (programs: 101)\"").size() == 1);
    // It comes back: the output is live again.
    splitter.packets_received(mux.read());
    auto again = found.stream->attach("127.0.0.1:4");
    CHECK(again);
    // The upstream reconnects without program 102: the upstream delivers, so the grace of the
    // program's own absence closes the viewer that waited through the reconnect.
    splitter.upstream_lost();
    splitter.upstream_connected(true);
    splitter.packets_received(mux.read({{101, 0x1000}}));
    CHECK(again->is_disconnected());
}
