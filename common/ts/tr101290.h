// tr101290.h - Tr101290Monitor: the ETSI TR 101 290 priority-1 indicators (and PCR checks of
// priority 2, bitrate per PID, null-packet share) of one transport stream, fed every packet by the
// stage that already inspects them. Pure: time is the arrival clock the caller passes in, so tests
// drive it. Single-threaded: owned by the stream's reader thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ts/psi_section.h"
#include "common/ts/ts_packet.h"

enum class Tr101290Indicator {
    sync_loss,          // 1.1 TS_sync_loss: the framer lost the packet boundaries
    sync_byte_error,    // 1.2 Sync_byte_error: a byte other than 0x47 where a sync byte was due
    pat_error,          // 1.3 PAT_error: no PAT for 0.5 s, another table_id on PID 0, scrambled
    cc_error,           // 1.4 Continuity_count_error
    pmt_error,          // 1.5 PMT_error: a program's PMT not every 0.5 s, or scrambled
    pid_error,          // 1.6 PID_error: a PID a PMT references not seen for pid_timeout
    pcr_interval,       // 2.3 PCR_repetition_error: PCRs of a PCR PID more than 100 ms apart
    pcr_discontinuity,  // 2.3 PCR_discontinuity_indicator_error: a jump without the indicator
};
constexpr std::size_t kTr101290IndicatorCount = 8;
const char* to_string(Tr101290Indicator indicator);

// Counted errors and whether each indicator fires now, indexed by Tr101290Indicator.
struct Tr101290Counts {
    std::array<uint64_t, kTr101290IndicatorCount> errors{};
    std::array<bool, kTr101290IndicatorCount> active{};
};

struct Tr101290PidRate {
    uint16_t pid = 0;
    uint64_t bits_per_second = 0;  // over the last whole window
    uint64_t packets = 0;          // since the monitor was made
    uint64_t cc_errors = 0;
};

// An indicator started or stopped firing: one log line each.
struct Tr101290Change {
    Tr101290Indicator indicator;
    bool started = false;
    std::string reason;  // why it started (the last error before), or why it stopped
    uint64_t errors = 0;  // stopped: the errors counted while it fired
};

struct Tr101290Settings {
    std::chrono::milliseconds pid_timeout{5000};
    std::chrono::milliseconds table_interval{500};  // PAT and each PMT
    std::chrono::milliseconds pcr_interval{100};
    // An indicator raised by single errors (CC, sync, a bad table) stops firing after this long without one.
    std::chrono::milliseconds quiet{2000};
    std::chrono::milliseconds rate_window{1000};
    bool enabled = true;  // off: the packetizer skips the monitor (only to measure what it costs)
};

class Tr101290Monitor {
public:
    using Clock = std::chrono::steady_clock;

    explicit Tr101290Monitor(Tr101290Settings settings = {});

    // One whole packet that starts with the sync byte; `cc_ok`: the continuity check's verdict on it.
    // Inline: this runs for every packet; the rest only for tables and PCRs.
    void packet(const uint8_t* packet, bool cc_ok, Clock::time_point now) {
        Slot& slot = slot_of(packet);
        ++slot.packets;  // last_seen follows from it once per evaluate()
        if (!cc_ok) note_cc_error(slot, now);
        if ((slot.checks & (kPat | kPmt)) || ((slot.checks & kPcr) && ts::PacketView(packet).has_pcr()))
            check_packet(slot, packet, now);
    }
    // The framer's running totals, after each read.
    void sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors, Clock::time_point now);
    // After each read: the timers (tables, PIDs, PCR), the rate window and the quiet periods.
    // Appends each indicator that started or stopped to `changes`.
    void evaluate(Clock::time_point now, std::vector<Tr101290Change>& changes);
    // A new upstream connection: tables and timers start over (counts stay); active indicators end.
    void restart(Clock::time_point now, std::vector<Tr101290Change>& changes);

    const Tr101290Counts& counts() const { return counts_; }
    // Every PID seen, by PID; at most kMaxPids, later ones summed under PID 0x2000.
    std::vector<Tr101290PidRate> pid_rates() const;
    // Null packets among the packets of the last window, in parts per million.
    uint32_t null_ppm() const { return null_ppm_; }
    // Goes up whenever pid_rates() changes (once per rate window).
    uint64_t rates_generation() const { return rates_generation_; }

    static constexpr std::size_t kMaxPids = 256;
    static constexpr uint16_t kOtherPids = 0x2000;

private:
    enum Check : uint8_t { kPat = 1, kPmt = 2, kEs = 4, kPcr = 8 };
    struct Slot {
        uint16_t pid = 0;
        uint8_t checks = 0;  // Check bits: what this PID is, as of the last PAT and PMTs
        bool late = false;   // its timer has fired and counted; cleared when it comes back
        bool pcr_late = false;
        bool has_pcr = false;
        uint64_t packets = 0;
        uint64_t window_packets = 0;  // packets at the start of the rate window
        uint64_t bits_per_second = 0;
        uint64_t cc_errors = 0;
        uint64_t last_pcr = 0;
        uint64_t packets_checked = 0;      // packets when the timers last ran
        Clock::time_point last_seen{};     // any packet, to the timers' resolution
        Clock::time_point last_table{};    // PAT/PMT: the last section start with the right table_id
        Clock::time_point last_pcr_at{};
        Clock::time_point expected_since{};  // when its checks were assigned: timers start there
    };
    struct Program {
        uint16_t pmt_pid = 0;
        std::vector<uint16_t> es_pids;
        uint16_t pcr_pid = 0x1FFF;
    };

    Slot& slot_of(const uint8_t* packet) {
        const uint16_t pid = ts::PacketView(packet).pid();
        const uint16_t index = index_[pid];
        return index != 0 ? slots_[index - 1] : slot_for(pid);
    }
    Slot& slot_for(uint16_t pid);
    void check_packet(Slot& slot, const uint8_t* packet, Clock::time_point now);
    void check_table(Slot& slot, const uint8_t* packet, Clock::time_point now);
    void check_pcr(Slot& slot, const uint8_t* packet, Clock::time_point now);
    void on_pat(const std::vector<uint8_t>& section, Clock::time_point now);
    void on_pmt(const std::vector<uint8_t>& section, Clock::time_point now);
    // Marks each slot with what the PAT and PMTs make it; a newly expected PID's timer starts `now`.
    void assign_checks(Clock::time_point now);
    void note_cc_error(Slot& slot, Clock::time_point now);
    // Counts one error. `event`: a single error (CC, sync, a bad table) that keeps the indicator
    // firing for `quiet`; else a timer that holds it while the thing stays away.
    void raise(Tr101290Indicator indicator, Clock::time_point now, const std::string& reason, bool event = true);
    void check_timers(Clock::time_point now);
    void roll_rates(Clock::time_point now);

    const Tr101290Settings settings_;
    std::array<uint16_t, 8192> index_{};  // PID -> 1 + its slot, 0 = none yet
    std::vector<Slot> slots_;
    Tr101290Counts counts_;
    // Per indicator: when it last counted an error, why, and the count when it started firing.
    std::array<Clock::time_point, kTr101290IndicatorCount> last_error_{};
    std::array<std::string, kTr101290IndicatorCount> reason_{};
    std::array<uint64_t, kTr101290IndicatorCount> errors_at_start_{};
    std::array<bool, kTr101290IndicatorCount> held_{};  // a timer holds it (PAT, PMT, PID, PCR away)

    SectionAssembler pat_sections_;
    std::map<uint16_t, SectionAssembler> pmt_sections_;  // by PMT PID
    std::map<uint16_t, Program> programs_;               // by program_number, as the PAT lists them
    uint32_t pat_crc_ = 0;
    bool has_pat_ = false;
    bool running_ = false;  // evaluate() has started the timers of this connection
    static constexpr std::chrono::milliseconds kEvaluateEvery{10};
    Clock::time_point last_evaluated_{};

    uint64_t sync_losses_ = 0;
    uint64_t sync_byte_errors_ = 0;
    Clock::time_point window_start_{};
    bool window_open_ = false;
    uint32_t null_ppm_ = 0;
    uint64_t rates_generation_ = 0;
};
