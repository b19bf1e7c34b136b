// packetizer.h - Packetizer: whole TS packets in, chunks for viewers out. It joins a new upstream
// connection onto the old one (TsSplicer), checks continuity, follows PAT and PMT (TsInspector),
// cuts a chunk at every picture so that a viewer can stop between two, and gives each keyframe chunk
// the PAT and PMT a viewer starting there needs. In the same pass it feeds every packet to the
// TR 101 290 monitor. Pure: no threads, no sockets, no clock; one per output, owned by the stream's
// reader thread.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ts/continuity.h"
#include "common/ts/tr101290.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_splicer.h"
#include "server/pipeline/packet_chunk.h"

struct PacketizerCounters {
    uint64_t cc_errors = 0;         // continuity_counter gaps in the upstream's packets
    uint64_t bad_sections = 0;      // PAT/PMT sections with a wrong CRC or an impossible content
    uint64_t splices = 0;           // joins onto a new upstream connection
    uint64_t splice_dropped = 0;    // packets dropped while joining (before the new PAT, mid-PES)
};

class Packetizer {
public:
    explicit Packetizer(Tr101290Settings monitor_settings = {})
        : monitor_(monitor_settings), monitor_enabled_(monitor_settings.enabled) {}

    // The next packets come from a new upstream connection (its first arrives `now`). `splice`:
    // viewers are playing the old one, so the new one is joined cleanly (see TsSplicer); its PIDs
    // may differ either way.
    void begin_upstream(bool splice, std::chrono::steady_clock::time_point now);

    // Cuts `packets` (whole packets; consumed) into chunks stamped `now` and appends them to `out`.
    // A keyframe or a picture of the video PID always starts a chunk.
    void push(std::vector<uint8_t>&& packets, std::chrono::steady_clock::time_point now, std::vector<ChunkRef>& out);

    // True once after each change of PAT or PMT, for the caller to log the programme.
    bool take_program_change();
    const TsInspector& inspector() const { return inspector_; }
    PacketizerCounters counters() const;

    // The framer's sync counters (running totals), for the monitor.
    void sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors, std::chrono::steady_clock::time_point now) {
        monitor_.sync_totals(sync_losses, sync_byte_errors, now);
    }
    const Tr101290Monitor& monitor() const { return monitor_; }
    // The indicators that started or stopped since the last call, for the caller to log; cleared.
    std::vector<Tr101290Change>& indicator_changes() { return changes_; }

private:
    // PAT and PMT as they stand, renumbered so that the next live PAT and PMT continue them.
    ChunkRef make_psi_prefix() const;

    TsSplicer splicer_;
    // The one continuity state: checks the upstream, continues counters across a splice and
    // numbers the PSI prefix.
    ContinuityChecker continuity_;
    TsInspector inspector_;
    Tr101290Monitor monitor_;
    bool monitor_enabled_ = true;
    std::vector<Tr101290Change> changes_;
    uint64_t psi_generation_ = 0;  // the inspector's, when last taken
    uint64_t splices_ = 0;
    uint64_t splice_dropped_ = 0;
};
