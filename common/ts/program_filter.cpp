// program_filter.cpp - routing each packet by PID, and the PAT, PMT and SDT rewrites.
#include "common/ts/program_filter.h"

#include "common/ts/pmt_rules.h"
#include "common/ts/psi_fields.h"
#include "common/ts/ts_packet.h"

namespace {
constexpr uint16_t kPidSdt = 0x0011;
constexpr uint16_t kPidTdt = 0x0014;  // TDT and TOT: the time, for every service
constexpr uint8_t kTablePat = 0x00;
constexpr uint8_t kTablePmt = 0x02;
constexpr uint8_t kTableSdtActual = 0x42;

void push_u16(std::vector<uint8_t>& out, uint16_t value, uint8_t high_bits = 0) {
    out.push_back(static_cast<uint8_t>(high_bits | (value >> 8)));
    out.push_back(static_cast<uint8_t>(value));
}
}  // namespace

const char* to_string(ProgramPresence presence) {
    switch (presence) {
    case ProgramPresence::unknown: return "unknown";
    case ProgramPresence::present: return "present";
    case ProgramPresence::absent: return "absent";
    }
    return "unknown";
}

ProgramFilter::ProgramFilter(ProgramSelection selection) : selection_(std::move(selection)) { reset(); }

void ProgramFilter::reset() {
    routes_.fill(drop);
    routes_[ts::kPidPat] = pat;
    routes_[kPidSdt] = sdt;
    routes_[kPidTdt] = pass;
    pat_sections_.reset();
    pmt_sections_.reset();
    sdt_sections_.reset();
    clear_streams();
    pmt_pid_ = nit_pid_ = ts::kPidNull;
    programs_.clear();
    has_source_pmt_ = false;
    set_presence(ProgramPresence::unknown);
}

bool ProgramFilter::take_presence_change() {
    const bool changed = presence_changed_;
    presence_changed_ = false;
    return changed;
}

void ProgramFilter::set_presence(ProgramPresence presence) {
    if (presence == presence_) return;
    presence_ = presence;
    presence_changed_ = true;
}

void ProgramFilter::drop_packet(uint16_t pid) {
    ++packets_dropped_;
    dropped_pids_.set(pid);
}

void ProgramFilter::process(const uint8_t* packets, std::size_t size, std::vector<uint8_t>& out) {
    const uint8_t* run = packets;  // packets passed unchanged are copied in runs
    std::size_t run_size = 0;
    auto flush = [&] {
        out.insert(out.end(), run, run + run_size);
        run_size = 0;
    };
    for (std::size_t at = 0; at + ts::kPacketSize <= size; at += ts::kPacketSize) {
        const uint8_t* packet = packets + at;
        const ts::PacketView view(packet);
        const uint16_t pid = view.pid();
        const Route route = static_cast<Route>(routes_[pid]);
        if (route == pass && presence_ == ProgramPresence::present) {
            if (run_size == 0) run = packet;
            run_size += ts::kPacketSize;
            ++packets_passed_;
            continue;
        }
        flush();
        if (route == drop || route == pass || view.tei()) {
            drop_packet(pid);
            continue;
        }
        SectionAssembler& sections = route == pat ? pat_sections_ : route == pmt ? pmt_sections_ : sdt_sections_;
        for (const PsiSection& section : sections.feed(packet)) {
            if (route == pat) on_pat(section.bytes, out);
            else if (route == pmt) on_pmt(section.bytes, out);
            else on_sdt(section.bytes, out);
        }
    }
    flush();
}

void ProgramFilter::on_pat(const std::vector<uint8_t>& b, std::vector<uint8_t>& out) {
    // Only section_number 0 is followed: a PAT outgrows one section only past ~250 programs.
    if (b[0] != kTablePat || !ts::is_current(b) || b[6] != 0) return;
    const uint32_t crc = ts::section_crc(b);
    if (!has_source_pat_ || crc != source_pat_crc_ || presence_ == ProgramPresence::unknown) {
        std::vector<uint16_t> programs;
        uint16_t pmt_pid = ts::kPidNull;
        uint16_t nit_pid = ts::kPidNull;
        uint16_t wanted = selection_.program.value_or(0);
        for (const auto& [number, pid] : ts::pat_entries(b)) {
            if (number == 0) {  // network_PID, not a program
                nit_pid = pid;
                continue;
            }
            programs.push_back(number);
            if (wanted == 0) wanted = number;
            if (number == wanted && pmt_pid == ts::kPidNull) pmt_pid = pid;
        }
        if (has_source_pat_ && crc != source_pat_crc_) pat_version_ = static_cast<uint8_t>((pat_version_ + 1) & 0x1F);
        else if (!has_source_pat_) pat_version_ = ts::section_version(b);
        has_source_pat_ = true;
        source_pat_crc_ = crc;
        programs_ = std::move(programs);
        if (pmt_pid == ts::kPidNull || pmt_pid == ts::kPidPat) {
            if (pmt_pid_ != ts::kPidNull) routes_[pmt_pid_] = drop;
            clear_streams();
            pmt_pid_ = ts::kPidNull;
            program_number_ = wanted;
            set_presence(ProgramPresence::absent);
            return;
        }
        follow_program(wanted, pmt_pid, nit_pid);
        pat_section_ = {kTablePat, 0xB0, 0, b[3], b[4], 0xC1, 0, 0};  // transport_stream_id kept
        if (nit_pid != ts::kPidNull) {
            push_u16(pat_section_, 0);
            push_u16(pat_section_, nit_pid, 0xE0);
        }
        push_u16(pat_section_, wanted);
        push_u16(pat_section_, pmt_pid, 0xE0);
        ts::seal_section(pat_section_, pat_version_);
        set_presence(ProgramPresence::present);
    }
    if (presence_ == ProgramPresence::present) ts::append_section_packets(ts::kPidPat, pat_section_, pat_cc_, out);
}

void ProgramFilter::follow_program(uint16_t program, uint16_t pmt_pid, uint16_t nit_pid) {
    if (nit_pid_ != ts::kPidNull && routes_[nit_pid_] == pass) routes_[nit_pid_] = drop;
    nit_pid_ = nit_pid;
    if (program != program_number_ || pmt_pid != pmt_pid_) {
        if (pmt_pid_ != ts::kPidNull) routes_[pmt_pid_] = drop;
        clear_streams();
        pmt_sections_.reset();
        has_source_pmt_ = false;
        program_number_ = program;
        pmt_pid_ = pmt_pid;
    }
    routes_[pmt_pid_] = pmt;
    if (nit_pid_ != ts::kPidNull && routes_[nit_pid_] == drop) routes_[nit_pid_] = pass;
}

void ProgramFilter::clear_streams() {
    for (uint16_t pid : kept_pids_) routes_[pid] = drop;
    for (uint16_t pid : ca_pids_) {
        if (routes_[pid] == pass) routes_[pid] = drop;
    }
    ca_pids_.clear();
    if (pcr_pid_ != ts::kPidNull && routes_[pcr_pid_] == pass) routes_[pcr_pid_] = drop;
    kept_pids_.clear();
    removed_pids_.clear();
    pcr_pid_ = ts::kPidNull;
}

void ProgramFilter::on_pmt(const std::vector<uint8_t>& b, std::vector<uint8_t>& out) {
    // The PMT PID may carry other tables, and the PMTs of other programs.
    if (b[0] != kTablePmt || !ts::is_current(b) || ts::read_u16(&b[3]) != program_number_) return;
    if (presence_ != ProgramPresence::present) return;
    const uint32_t crc = ts::section_crc(b);
    if (!has_source_pmt_ || crc != source_pmt_crc_) {
        const uint8_t version = static_cast<uint8_t>(((has_source_pmt_ ? pmt_version_ : ts::section_version(b)) + 1) & 0x1F);
        std::optional<PmtPlan> plan = plan_pmt(b, selection_, version);
        if (!plan) return;  // lengths past its end: keep following the last good one
        clear_streams();
        for (const std::vector<uint16_t>* pids : {&plan->kept_pids, &plan->ca_pids}) {
            for (uint16_t pid : *pids) {
                if (routes_[pid] == drop) routes_[pid] = pass;
            }
        }
        ca_pids_ = std::move(plan->ca_pids);
        pcr_pid_ = plan->pcr_pid;
        if (pcr_pid_ != ts::kPidNull && routes_[pcr_pid_] == drop) routes_[pcr_pid_] = pass;
        kept_pids_ = std::move(plan->kept_pids);
        removed_pids_ = std::move(plan->removed_pids);
        pmt_section_ = std::move(plan->section);
        pmt_version_ = version;
        has_source_pmt_ = true;
        source_pmt_crc_ = crc;
    }
    ts::append_section_packets(pmt_pid_, pmt_section_, pmt_cc_, out);
}

void ProgramFilter::on_sdt(const std::vector<uint8_t>& b, std::vector<uint8_t>& out) {
    // SDT other (0x46) and BAT (0x4A) describe other multiplexes and bouquets: dropped.
    if (b[0] != kTableSdtActual || presence_ != ProgramPresence::present || b.size() < 15) return;
    const std::size_t end = b.size() - 4;
    std::vector<uint8_t> reduced(b.begin(), b.begin() + 11);  // header, original_network_id, reserved
    for (std::size_t pos = 11; pos + 5 <= end;) {
        const std::size_t next = pos + 5 + ts::read_length12(&b[pos + 3]);  // descriptors_loop_length
        if (next > end) return;
        if (ts::read_u16(&b[pos]) == program_number_) reduced.insert(reduced.end(), b.begin() + pos, b.begin() + next);
        pos = next;
    }
    ts::seal_section(reduced, ts::section_version(b));
    ts::append_section_packets(kPidSdt, reduced, sdt_cc_, out);
}
