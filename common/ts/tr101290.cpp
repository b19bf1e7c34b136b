// tr101290.cpp - the TR 101 290 checks: per-packet ones on the few PIDs that are tables or PCR
// carriers, timers once per read, its own small PAT/PMT parse (every program, not only the first).
#include "common/ts/tr101290.h"

#include <algorithm>

#include "common/ts/ts_packet.h"

using namespace std::chrono;

namespace {

constexpr uint64_t kPcrModulus = (uint64_t(1) << 33) * 300;
constexpr uint8_t kTableIdPat = 0x00;
constexpr uint8_t kTableIdPmt = 0x02;
constexpr uint8_t kTableIdStuffing = 0xFF;

uint16_t read_pid(const uint8_t* field) { return static_cast<uint16_t>(((field[0] & 0x1F) << 8) | field[1]); }
uint16_t read_u16(const uint8_t* field) { return static_cast<uint16_t>((field[0] << 8) | field[1]); }
std::size_t read_length12(const uint8_t* field) { return (std::size_t(field[0] & 0x0F) << 8) | field[1]; }
uint32_t read_u32(const uint8_t* field) {
    return (uint32_t(field[0]) << 24) | (uint32_t(field[1]) << 16) | (uint32_t(field[2]) << 8) | field[3];
}

std::string pid_text(uint16_t pid) { return "PID " + std::to_string(pid); }
std::string ms_text(Tr101290Monitor::Clock::duration d) {
    return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
}

// Why a timer's indicator stopped: what it missed came back.
const char* back_reason(Tr101290Indicator indicator) {
    switch (indicator) {
    case Tr101290Indicator::pat_error: return "PAT back";
    case Tr101290Indicator::pmt_error: return "every PMT back";
    case Tr101290Indicator::pid_error: return "every PID back";
    case Tr101290Indicator::pcr_interval: return "PCR back";
    default: return "back";
    }
}

}  // namespace

const char* to_string(Tr101290Indicator indicator) {
    switch (indicator) {
    case Tr101290Indicator::sync_loss: return "sync_loss";
    case Tr101290Indicator::sync_byte_error: return "sync_byte_error";
    case Tr101290Indicator::pat_error: return "pat_error";
    case Tr101290Indicator::cc_error: return "cc_error";
    case Tr101290Indicator::pmt_error: return "pmt_error";
    case Tr101290Indicator::pid_error: return "pid_error";
    case Tr101290Indicator::pcr_interval: return "pcr_interval_error";
    case Tr101290Indicator::pcr_discontinuity: return "pcr_discontinuity_error";
    }
    return "unknown";
}

Tr101290Monitor::Tr101290Monitor(Tr101290Settings settings) : settings_(settings) {
    slots_.reserve(kMaxPids + 1);  // never reallocated: packet() holds a reference across slot_for()
    slot_for(ts::kPidPat).checks = kPat;
}

Tr101290Monitor::Slot& Tr101290Monitor::slot_for(uint16_t pid) {
    if (index_[pid] != 0) return slots_[index_[pid] - 1];
    if (slots_.size() == kMaxPids) {  // the last slot sums every PID past the bound
        slots_.emplace_back();
        slots_.back().pid = kOtherPids;
    }
    if (slots_.size() > kMaxPids) {
        index_[pid] = static_cast<uint16_t>(slots_.size());
        return slots_.back();
    }
    slots_.emplace_back();
    slots_.back().pid = pid;
    index_[pid] = static_cast<uint16_t>(slots_.size());
    return slots_.back();
}

void Tr101290Monitor::check_packet(Slot& slot, const uint8_t* packet, Clock::time_point now) {
    if (slot.checks & (kPat | kPmt)) check_table(slot, packet, now);
    if (slot.checks & kPcr) check_pcr(slot, packet, now);
}

void Tr101290Monitor::check_table(Slot& slot, const uint8_t* packet, Clock::time_point now) {
    const ts::PacketView view(packet);
    const bool pat = slot.checks & kPat;
    const Tr101290Indicator indicator = pat ? Tr101290Indicator::pat_error : Tr101290Indicator::pmt_error;
    if (packet[3] & 0xC0) {  // transport_scrambling_control: tables are never scrambled
        raise(indicator, now, std::string(pat ? "scrambled PAT" : "scrambled PMT") + " on " + pid_text(slot.pid));
        return;
    }
    const std::size_t offset = view.payload_offset();
    if (view.tei() || offset >= ts::kPacketSize) return;
    if (view.pusi() && offset + 1 + packet[offset] < ts::kPacketSize) {
        const uint8_t table_id = packet[offset + 1 + packet[offset]];
        if (table_id == (pat ? kTableIdPat : kTableIdPmt)) {
            slot.last_table = now;
            slot.late = false;
        } else if (pat && table_id != kTableIdStuffing) {
            raise(indicator, now, "table_id " + std::to_string(table_id) + " on PID 0");
        }
    }
    if (pat) {
        for (PsiSection& section : pat_sections_.feed(packet)) on_pat(section.bytes, now);
        return;
    }
    auto assembler = pmt_sections_.find(slot.pid);
    if (assembler == pmt_sections_.end()) return;
    for (PsiSection& section : assembler->second.feed(packet)) on_pmt(section.bytes, now);
}

void Tr101290Monitor::check_pcr(Slot& slot, const uint8_t* packet, Clock::time_point now) {
    const ts::PacketView view(packet);
    if (!view.has_pcr()) return;
    const uint64_t pcr = view.pcr();
    if (slot.has_pcr && !view.discontinuity()) {
        const uint64_t forward = (pcr + kPcrModulus - slot.last_pcr) % kPcrModulus;
        const bool backwards = forward > kPcrModulus / 2;
        const auto value_gap = nanoseconds(backwards ? 0 : forward * 1000 / 27);
        const auto limit = duration_cast<nanoseconds>(settings_.pcr_interval);
        if (backwards || value_gap > limit)
            raise(Tr101290Indicator::pcr_discontinuity, now,
                  "PCR " + std::string(backwards ? "went back" : "jumped " + ms_text(value_gap)) + " on " + pid_text(slot.pid));
        // Both gaps: a read's packets share one arrival time, and a burst is not a late PCR.
        const auto gap = std::min<Clock::duration>(now - slot.last_pcr_at, value_gap);
        if (!slot.pcr_late && gap > limit)
            raise(Tr101290Indicator::pcr_interval, now, "PCRs " + ms_text(gap) + " apart on " + pid_text(slot.pid));
    }
    slot.pcr_late = false;
    slot.has_pcr = true;
    slot.last_pcr = pcr;
    slot.last_pcr_at = now;
}

void Tr101290Monitor::on_pat(const std::vector<uint8_t>& b, Clock::time_point now) {
    // Another table_id was counted at its packet; a table not current yet does not apply.
    if (b[0] != kTableIdPat || !(b[5] & 0x01) || b[6] != 0) return;
    const uint32_t crc = read_u32(&b[b.size() - 4]);
    if (has_pat_ && crc == pat_crc_) return;
    has_pat_ = true;
    pat_crc_ = crc;
    std::map<uint16_t, Program> programs;
    for (std::size_t pos = 8; pos + 4 <= b.size() - 4; pos += 4) {
        const uint16_t number = read_u16(&b[pos]);
        if (number == 0) continue;  // network_PID
        Program program;
        program.pmt_pid = read_pid(&b[pos + 2]);
        auto old = programs_.find(number);
        if (old != programs_.end() && old->second.pmt_pid == program.pmt_pid) program = old->second;
        programs.emplace(number, std::move(program));
    }
    programs_ = std::move(programs);
    std::map<uint16_t, SectionAssembler> assemblers;
    for (const auto& [number, program] : programs_) {
        auto old = pmt_sections_.find(program.pmt_pid);
        assemblers[program.pmt_pid] = old != pmt_sections_.end() ? std::move(old->second) : SectionAssembler{};
    }
    pmt_sections_ = std::move(assemblers);
    assign_checks(now);
}

void Tr101290Monitor::on_pmt(const std::vector<uint8_t>& b, Clock::time_point now) {
    if (b[0] != kTableIdPmt || !(b[5] & 0x01)) return;
    auto found = programs_.find(read_u16(&b[3]));
    if (found == programs_.end()) return;
    Program program;
    program.pmt_pid = found->second.pmt_pid;
    program.pcr_pid = read_pid(&b[8]);
    const std::size_t end = b.size() - 4;
    for (std::size_t pos = 12 + read_length12(&b[10]); pos + 5 <= end; pos += 5 + read_length12(&b[pos + 3]))
        program.es_pids.push_back(read_pid(&b[pos + 1]));
    if (program.pcr_pid == found->second.pcr_pid && program.es_pids == found->second.es_pids) return;
    found->second = std::move(program);
    assign_checks(now);
}

void Tr101290Monitor::assign_checks(Clock::time_point now) {
    std::vector<uint8_t> before;
    before.reserve(slots_.size());
    for (Slot& slot : slots_) {
        before.push_back(slot.checks);
        slot.checks = slot.pid == ts::kPidPat ? kPat : 0;
    }
    for (const auto& [number, program] : programs_) {
        slot_for(program.pmt_pid).checks |= kPmt;
        for (uint16_t pid : program.es_pids) slot_for(pid).checks |= kEs;
        if (program.pcr_pid != ts::kPidNull) slot_for(program.pcr_pid).checks |= kPcr;
    }
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.pid == kOtherPids) slot.checks = 0;  // not one PID: no timer can hold for it
        const uint8_t added = slot.checks & ~(i < before.size() ? before[i] : 0);
        if (added) slot.expected_since = now;
    }
}

void Tr101290Monitor::note_cc_error(Slot& slot, Clock::time_point now) {
    ++slot.cc_errors;
    raise(Tr101290Indicator::cc_error, now, "continuity gap on " + pid_text(slot.pid));
}

void Tr101290Monitor::raise(Tr101290Indicator indicator, Clock::time_point now, const std::string& reason, bool event) {
    const auto i = static_cast<std::size_t>(indicator);
    // The first error since it last stopped names why it starts; later ones would be log noise.
    if (!counts_.active[i] && counts_.errors[i] == errors_at_start_[i]) reason_[i] = reason;
    ++counts_.errors[i];
    if (event) last_error_[i] = now;
}

void Tr101290Monitor::sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors, Clock::time_point now) {
    if (sync_losses > sync_losses_) {
        raise(Tr101290Indicator::sync_loss, now, "packet boundaries lost");
        counts_.errors[std::size_t(Tr101290Indicator::sync_loss)] += sync_losses - sync_losses_ - 1;
    }
    if (sync_byte_errors > sync_byte_errors_) {
        raise(Tr101290Indicator::sync_byte_error, now, "a byte other than 0x47 where a sync byte was due");
        counts_.errors[std::size_t(Tr101290Indicator::sync_byte_error)] += sync_byte_errors - sync_byte_errors_ - 1;
    }
    sync_losses_ = sync_losses;
    sync_byte_errors_ = sync_byte_errors;
}

void Tr101290Monitor::check_timers(Clock::time_point now) {
    held_.fill(false);
    // A timer counts once per absence and holds its indicator while the thing stays away. The reason
    // is made only then: this runs once per read.
    auto timer = [&](bool& late, Clock::time_point since, milliseconds limit, Tr101290Indicator indicator, auto reason) {
        if (now - since <= limit) {
            late = false;
            return;
        }
        if (!late) raise(indicator, now, reason(), false);
        late = true;
        held_[std::size_t(indicator)] = true;
    };
    const auto table = settings_.table_interval;
    for (Slot& slot : slots_) {
        if (slot.packets != slot.packets_checked) {
            slot.packets_checked = slot.packets;
            slot.last_seen = now;
        }
        if (slot.checks == 0) continue;
        const uint16_t pid = slot.pid;
        if (slot.checks & kPat)
            timer(slot.late, std::max(slot.last_table, slot.expected_since), table, Tr101290Indicator::pat_error,
                  [&] { return "no PAT for " + ms_text(table); });
        if (slot.checks & kPmt)
            timer(slot.late, std::max(slot.last_table, slot.expected_since), table, Tr101290Indicator::pmt_error,
                  [&] { return "no PMT on " + pid_text(pid) + " for " + ms_text(table); });
        if (slot.checks & kEs)
            timer(slot.late, std::max(slot.last_seen, slot.expected_since), settings_.pid_timeout,
                  Tr101290Indicator::pid_error,
                  [&] { return pid_text(pid) + " not seen for " + ms_text(settings_.pid_timeout); });
        if (slot.checks & kPcr)
            timer(slot.pcr_late, std::max(slot.last_pcr_at, slot.expected_since), settings_.pcr_interval,
                  Tr101290Indicator::pcr_interval,
                  [&] { return "no PCR on " + pid_text(pid) + " for " + ms_text(settings_.pcr_interval); });
    }
}

void Tr101290Monitor::evaluate(Clock::time_point now, std::vector<Tr101290Change>& changes) {
    if (!running_) {
        running_ = true;
        slot_for(ts::kPidPat).expected_since = now;
    } else if (now - last_evaluated_ < kEvaluateEvery) {
        return;  // a fast stream reads often; the timers' bounds are 100 ms and more
    }
    last_evaluated_ = now;
    const auto held_before = held_;
    check_timers(now);
    roll_rates(now);
    for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) {
        const bool recent = last_error_[i] != Clock::time_point{} && now - last_error_[i] < settings_.quiet;
        const bool firing = held_[i] || recent;
        if (firing && !counts_.active[i]) {
            changes.push_back({static_cast<Tr101290Indicator>(i), true, reason_[i], 0});
        } else if (!firing && counts_.active[i]) {
            const auto indicator = static_cast<Tr101290Indicator>(i);
            changes.push_back({indicator, false, held_before[i] ? back_reason(indicator) : "no error for " + ms_text(settings_.quiet),
                               counts_.errors[i] - errors_at_start_[i]});
        }
        counts_.active[i] = firing;
        if (!firing) errors_at_start_[i] = counts_.errors[i];
    }
}

void Tr101290Monitor::restart(Clock::time_point now, std::vector<Tr101290Change>& changes) {
    for (std::size_t i = 0; i < kTr101290IndicatorCount; ++i) {
        if (counts_.active[i])
            changes.push_back({static_cast<Tr101290Indicator>(i), false, "new upstream connection",
                               counts_.errors[i] - errors_at_start_[i]});
        counts_.active[i] = false;
        errors_at_start_[i] = counts_.errors[i];
    }
    last_error_.fill(Clock::time_point{});
    held_.fill(false);
    programs_.clear();
    pmt_sections_.clear();
    pat_sections_.reset();
    has_pat_ = false;
    for (Slot& slot : slots_) {
        slot.checks = slot.pid == ts::kPidPat ? kPat : 0;
        slot.late = slot.pcr_late = slot.has_pcr = false;
        slot.expected_since = now;
    }
    running_ = true;
}

void Tr101290Monitor::roll_rates(Clock::time_point now) {
    if (!window_open_ || now - window_start_ < settings_.rate_window) {
        if (!window_open_) {
            window_open_ = true;
            window_start_ = now;
            for (Slot& slot : slots_) slot.window_packets = slot.packets;
        }
        return;
    }
    const double seconds = duration<double>(now - window_start_).count();
    uint64_t total = 0;
    uint64_t nulls = 0;
    for (Slot& slot : slots_) {
        const uint64_t packets = slot.packets - slot.window_packets;
        slot.bits_per_second = static_cast<uint64_t>(double(packets * ts::kPacketSize * 8) / seconds + 0.5);
        slot.window_packets = slot.packets;
        total += packets;
        if (slot.pid == ts::kPidNull) nulls = packets;
    }
    null_ppm_ = total == 0 ? 0 : static_cast<uint32_t>(nulls * 1000000 / total);
    window_start_ = now;
    ++rates_generation_;
}

std::vector<Tr101290PidRate> Tr101290Monitor::pid_rates() const {
    std::vector<Tr101290PidRate> rates;
    rates.reserve(slots_.size());
    for (const Slot& slot : slots_) rates.push_back({slot.pid, slot.bits_per_second, slot.packets, slot.cc_errors});
    std::sort(rates.begin(), rates.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
    return rates;
}
