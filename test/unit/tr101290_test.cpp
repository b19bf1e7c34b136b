// tr101290_test.cpp - Tr101290Monitor on a synthetic programme driven by a fake arrival clock:
// each indicator counts, starts and stops once, and a healthy stream counts nothing.
#include <catch2/catch.hpp>

#include "common/ts/continuity.h"
#include "common/ts/tr101290.h"
#include "synthetic_psi.h"

using namespace std::chrono;
using synthetic::Packet;
using synthetic::PacketSpec;
using Ind = Tr101290Indicator;

namespace {

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideo = 0x100;
constexpr uint16_t kAudio = 0x101;

// What one 40 ms tick of the programme leaves out or breaks.
struct Faults {
    bool pat = true, pmt = true, video = true, audio = true, pcr = true;
    bool cc_gap = false;          // the video packet skips a counter
    int64_t pcr_jump_ms = 0;      // added to this and every later PCR
    bool pcr_discontinuity = false;
};

struct Programme {
    explicit Programme(Tr101290Settings settings = {}) : monitor(settings) {}

    Tr101290Monitor monitor;
    ContinuityChecker continuity;
    Tr101290Monitor::Clock::time_point now = Tr101290Monitor::Clock::time_point{} + hours(1);
    std::vector<Tr101290Change> changes;
    uint8_t cc[0x2000] = {};
    int64_t pcr_offset_ms = 0;
    milliseconds elapsed{0};

    void send(const Packet& p) { monitor.packet(p.data(), continuity.check(p.data()), now); }
    void send_es(PacketSpec spec) {
        spec.cc = cc[spec.pid]++ & 0x0F;
        send(synthetic::make_packet(spec));
    }
    void send_table(uint16_t pid, const std::vector<uint8_t>& section) {
        for (Packet& p : synthetic::packetize(pid, {section}, cc[pid])) {
            ++cc[pid];
            send(p);
        }
    }
    void tick(const Faults& f = {}, milliseconds step = milliseconds(40)) {
        now += step;
        elapsed += step;
        if (f.pat) send_table(0, synthetic::make_pat(0, {{1, kPmtPid}}));
        if (f.pmt) send_table(kPmtPid, synthetic::make_pmt(1, 0, kVideo, {{0x1B, kVideo, {}}, {0x0F, kAudio, {}}}));
        pcr_offset_ms += f.pcr_jump_ms;
        if (f.video) {
            PacketSpec video(kVideo);
            if (f.pcr) video.pcr = uint64_t(elapsed.count() + pcr_offset_ms) * 27000;
            video.discontinuity = f.pcr_discontinuity;
            if (f.cc_gap) ++cc[kVideo];
            send_es(video);
        }
        if (f.audio) send_es(PacketSpec(kAudio));
        monitor.evaluate(now, changes);
    }
    // `n` ticks with the same faults.
    void run(int n, const Faults& f = {}) {
        for (int i = 0; i < n; ++i) tick(f);
    }
    uint64_t errors(Ind i) const { return monitor.counts().errors[std::size_t(i)]; }
    bool active(Ind i) const { return monitor.counts().active[std::size_t(i)]; }
    int changes_of(Ind i, bool started) const {
        int n = 0;
        for (const auto& c : changes) n += c.indicator == i && c.started == started;
        return n;
    }
};

}  // namespace

TEST_CASE("Tr101290Monitor: a healthy programme counts nothing and changes nothing", "[tr101290]") {
    Programme p;
    p.run(250);  // 10 s
    for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) CHECK(p.monitor.counts().errors[i] == 0);
    CHECK(p.changes.empty());
}

TEST_CASE("Tr101290Monitor: a PAT away for 2 s is one PAT error, started and stopped once", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults no_pat;
    no_pat.pat = false;
    p.run(12, no_pat);  // 480 ms: not late yet
    CHECK(p.errors(Ind::pat_error) == 0);
    p.run(38, no_pat);
    CHECK(p.errors(Ind::pat_error) == 1);
    CHECK(p.active(Ind::pat_error));
    p.run(1);
    CHECK_FALSE(p.active(Ind::pat_error));
    CHECK(p.changes_of(Ind::pat_error, true) == 1);
    p.run(5);
    p.run(15, no_pat);
    CHECK(p.errors(Ind::pat_error) == 2);  // a second absence counts again
    p.run(1);
    CHECK(p.changes_of(Ind::pat_error, false) == 2);
    CHECK(p.changes.front().reason == "no PAT for 500 ms");
    CHECK(p.changes.back().reason == "PAT back");
    CHECK(p.changes.back().errors == 1);
}

TEST_CASE("Tr101290Monitor: another table_id on PID 0, or a scrambled PAT, is a PAT error", "[tr101290]") {
    Programme p;
    p.run(25);
    p.send_table(0, synthetic::make_section(0x42, 1, 0, {}));
    Packet scrambled = synthetic::make_packet(PacketSpec(0, p.cc[0]++));
    scrambled[3] |= 0x80;
    p.send(scrambled);
    p.run(1);
    CHECK(p.errors(Ind::pat_error) == 2);
    CHECK(p.changes.at(0).reason == "table_id 66 on PID 0");
    p.run(49);  // 2 s without another
    CHECK(p.changes_of(Ind::pat_error, true) == 1);
    CHECK(p.changes_of(Ind::pat_error, false) == 1);
}

TEST_CASE("Tr101290Monitor: continuity gaps count per PID and fire until 2 s pass without one", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults gap;
    gap.cc_gap = true;
    p.run(3, gap);
    CHECK(p.errors(Ind::cc_error) == 3);
    CHECK(p.active(Ind::cc_error));
    for (const auto& rate : p.monitor.pid_rates()) CHECK(rate.cc_errors == (rate.pid == kVideo ? 3u : 0u));
    p.run(49);
    CHECK(p.active(Ind::cc_error));
    p.run(2);
    CHECK_FALSE(p.active(Ind::cc_error));
    REQUIRE(p.changes.size() == 2);
    CHECK(p.changes[0].reason == "continuity gap on PID 256");
    CHECK(p.changes[1].reason == "no error for 2000 ms");
    CHECK(p.changes[1].errors == 3);
}

TEST_CASE("Tr101290Monitor: a PMT away for more than 0.5 s is a PMT error", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults no_pmt;
    no_pmt.pmt = false;
    p.run(25, no_pmt);
    CHECK(p.errors(Ind::pmt_error) == 1);
    CHECK(p.changes.at(0).reason == "no PMT on PID 4096 for 500 ms");
    p.run(1);
    CHECK(p.changes_of(Ind::pmt_error, false) == 1);
    CHECK(p.errors(Ind::pat_error) == 0);
}

TEST_CASE("Tr101290Monitor: a PID the PMT references, away for pid_timeout, is a PID error", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults no_audio;
    no_audio.audio = false;
    p.run(120, no_audio);  // 4.8 s
    CHECK(p.errors(Ind::pid_error) == 0);
    p.run(10, no_audio);
    CHECK(p.errors(Ind::pid_error) == 1);
    CHECK(p.changes.at(0).reason == "PID 257 not seen for 5000 ms");
    p.run(1);
    CHECK(p.changes_of(Ind::pid_error, false) == 1);
    p.run(10);
    p.run(130, no_audio);  // away again: counted again
    CHECK(p.errors(Ind::pid_error) == 2);
    CHECK(p.changes_of(Ind::pid_error, true) == 2);
}

TEST_CASE("Tr101290Monitor: PID error after a configured pid_timeout", "[tr101290]") {
    Tr101290Settings settings;
    settings.pid_timeout = milliseconds(1000);
    Programme p(settings);
    p.run(25);
    Faults no_audio;
    no_audio.audio = false;
    p.run(26, no_audio);
    CHECK(p.errors(Ind::pid_error) == 1);
}

TEST_CASE("Tr101290Monitor: PCRs more than 100 ms apart are a PCR interval error", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults no_pcr;
    no_pcr.pcr = false;
    p.run(3, no_pcr);  // 120 ms since the last PCR
    CHECK(p.errors(Ind::pcr_interval) == 1);
    CHECK(p.active(Ind::pcr_interval));
    p.run(1);  // the PCR is back, its value 160 ms on: also outside 0..100 ms
    CHECK_FALSE(p.active(Ind::pcr_interval));
    CHECK(p.errors(Ind::pcr_interval) == 1);
    CHECK(p.errors(Ind::pcr_discontinuity) == 1);
}

TEST_CASE("Tr101290Monitor: a PCR jump without discontinuity_indicator is counted, with it not", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults jump;
    jump.pcr_jump_ms = 1000;
    p.run(1, jump);
    CHECK(p.errors(Ind::pcr_discontinuity) == 1);
    CHECK(p.errors(Ind::pcr_interval) == 0);  // they arrived on time
    CHECK(p.changes.at(0).reason == "PCR jumped 1040 ms on PID 256");
    jump.pcr_jump_ms = -5000;
    jump.pcr_discontinuity = true;
    p.run(1, jump);
    CHECK(p.errors(Ind::pcr_discontinuity) == 1);
    jump.pcr_discontinuity = false;
    jump.pcr_jump_ms = -100;
    p.run(1, jump);
    CHECK(p.errors(Ind::pcr_discontinuity) == 2);  // backwards
}

TEST_CASE("Tr101290Monitor: the framer's sync losses and sync byte errors start and stop their indicators", "[tr101290]") {
    Programme p;
    p.run(5);
    p.monitor.sync_totals(2, 1, p.now);
    p.run(1);
    CHECK(p.errors(Ind::sync_loss) == 2);
    CHECK(p.errors(Ind::sync_byte_error) == 1);
    CHECK(p.changes_of(Ind::sync_loss, true) == 1);
    p.monitor.sync_totals(2, 1, p.now);  // the same totals: nothing new
    p.run(50);
    CHECK(p.errors(Ind::sync_loss) == 2);
    CHECK(p.changes_of(Ind::sync_loss, false) == 1);
    CHECK(p.changes_of(Ind::sync_byte_error, false) == 1);
}

TEST_CASE("Tr101290Monitor: bitrate per PID and the null-packet share over the last window", "[tr101290]") {
    Programme p;
    for (int i = 0; i < 50; ++i) {
        p.send(synthetic::make_packet(PacketSpec(ts::kPidNull)));
        p.tick();
    }
    // 25 ticks a second, one packet of each PID per tick.
    for (const auto& rate : p.monitor.pid_rates())
        if (rate.pid == kAudio || rate.pid == ts::kPidNull) CHECK(rate.bits_per_second == 25 * 188 * 8);
    CHECK(p.monitor.null_ppm() == 200000);  // 1 of PAT, PMT, video, audio, null
    CHECK(p.monitor.rates_generation() >= 1);
}

TEST_CASE("Tr101290Monitor: a new upstream connection ends the indicators and starts the timers over", "[tr101290]") {
    Programme p;
    p.run(25);
    Faults no_pat;
    no_pat.pat = false;
    p.run(20, no_pat);
    CHECK(p.active(Ind::pat_error));
    p.monitor.restart(p.now, p.changes);
    CHECK(p.changes_of(Ind::pat_error, false) == 1);
    CHECK(p.changes.back().reason == "new upstream connection");
    p.run(10, no_pat);  // 400 ms into the new connection: not late yet
    CHECK(p.errors(Ind::pat_error) == 1);
    CHECK_FALSE(p.active(Ind::pat_error));
}
