// packetizer_test.cpp - Packetizer: cuts at pictures, gives keyframe chunks a PAT+PMT prefix that
// continues the live counters, counts continuity errors, and joins a new upstream cleanly.
#include <catch2/catch.hpp>

#include "server/pipeline/packetizer.h"
#include "synthetic_program.h"

using namespace std::chrono;
using synthetic::Program;

namespace {
std::vector<ChunkRef> push(Packetizer& packetizer, std::vector<uint8_t> packets) {
    std::vector<ChunkRef> out;
    packetizer.push(std::move(packets), steady_clock::now(), out);
    return out;
}

// Continuity errors in what a viewer gets from `chunks` (keyframe chunks preceded by their prefix when `with_psi`).
uint64_t cc_errors(const std::vector<ChunkRef>& chunks, bool with_psi) {
    ContinuityChecker checker;
    for (const ChunkRef& chunk : chunks) {
        std::vector<uint8_t> bytes = chunk->bytes;
        if (with_psi && chunk->psi) bytes.insert(bytes.begin(), chunk->psi->bytes.begin(), chunk->psi->bytes.end());
        for (std::size_t i = 0; i < bytes.size(); i += ts::kPacketSize) checker.check(bytes.data() + i);
    }
    return checker.errors();
}
}  // namespace

TEST_CASE("Packetizer: a chunk starts at every picture; keyframe chunks carry PAT and PMT", "[packetizer]") {
    // packets  PAT PMT | K p p | P p p | P p p      (K keyframe, P picture, p payload)
    // chunks   [PAT PMT] [K p p] [P p p] [P p p]; only [K p p] is random access, with a prefix
    Program program;
    Packetizer packetizer;
    const auto chunks = push(packetizer, program.gop(2, 3));
    REQUIRE(chunks.size() == 4);
    CHECK(chunks[0]->packet_count() == 2);
    CHECK_FALSE(chunks[0]->picture_start);
    CHECK(chunks[1]->random_access);
    CHECK(chunks[1]->picture_start);
    REQUIRE(chunks[1]->psi);
    CHECK(chunks[1]->psi->packet_count() == 2);
    CHECK(ts::PacketView(chunks[1]->psi->bytes.data()).pid() == ts::kPidPat);
    CHECK(chunks[2]->picture_start);
    CHECK_FALSE(chunks[2]->random_access);
    CHECK(cc_errors(chunks, false) == 0);
    CHECK(packetizer.take_program_change());
    CHECK_FALSE(packetizer.take_program_change());  // once per change
    CHECK(packetizer.inspector().video_pid() == Program::kVideoPid);
}

TEST_CASE("Packetizer: a viewer starting at a later keyframe gets a prefix that continues the counters", "[packetizer]") {
    Program program;
    Packetizer packetizer;
    push(packetizer, program.gop(1, 2));
    // The tables repeat with counters 1; the prefix stored is from the first (counters 0) and must be
    // renumbered to end at 1, so that the live PAT after the keyframe (counter 2) follows it.
    std::vector<uint8_t> more = program.gop(1, 2);
    const auto second = push(packetizer, std::move(more));
    std::vector<ChunkRef> from_keyframe(second.begin() + 1, second.end());
    REQUIRE(from_keyframe.front()->random_access);
    const auto third = push(packetizer, program.gop(0, 1));
    from_keyframe.insert(from_keyframe.end(), third.begin(), third.end());
    CHECK(cc_errors(from_keyframe, true) == 0);
    CHECK(packetizer.counters().cc_errors == 0);
}

TEST_CASE("Packetizer: continuity gaps in the upstream are counted", "[packetizer]") {
    Program program;
    Packetizer packetizer;
    push(packetizer, program.gop(0, 3));
    program.payload(2);  // lost on the way
    push(packetizer, program.payload(1));
    CHECK(packetizer.counters().cc_errors == 1);
}

TEST_CASE("Packetizer: a splice waits for the new PAT and continues every counter", "[packetizer]") {
    // old source: PAT PMT K p p   | new source (own counters): p p PAT PMT K p   <- p p dropped
    Program old_source, new_source;
    Packetizer packetizer;
    std::vector<ChunkRef> viewer = push(packetizer, old_source.gop(0, 3));
    new_source.payload(5);  // the new source's counters start elsewhere
    packetizer.begin_upstream(true, std::chrono::steady_clock::now());
    std::vector<uint8_t> joined = new_source.payload(2);
    Program::append(joined, new_source.gop(0, 2));
    for (const ChunkRef& c : push(packetizer, std::move(joined))) viewer.push_back(c);
    CHECK(cc_errors(viewer, false) == 0);
    CHECK(ts::PacketView(viewer[2]->bytes.data()).pid() == ts::kPidPat);
    const PacketizerCounters counters = packetizer.counters();
    CHECK(counters.splices == 1);
    CHECK(counters.splice_dropped == 2);
    CHECK(counters.cc_errors == 0);
}
