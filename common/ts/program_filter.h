// program_filter.h - ProgramFilter: one program out of a multiplex (MPTS in, SPTS out), with the
// elementary streams its ProgramSelection strips removed. The PAT is rewritten to list only that
// program (and the NIT entry), the PMT rewritten when streams are removed, the SDT reduced to that
// service; each rewritten table gets its own continuity counters and a new CRC_32, and the PAT's
// version moves on whenever the source's PAT changes. The program's PMT, elementary stream and PCR
// PIDs, its ECM PIDs, the NIT and TDT/TOT pass unchanged; every other packet (EIT included) is dropped and counted.
// Pure: no threads, no clock. One per filtered output, owned by the upstream's reader thread.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ts/program_selection.h"
#include "common/ts/psi_section.h"

// Whether the source's PAT lists the program: unknown until a PAT has arrived (since the last reset).
enum class ProgramPresence { unknown, present, absent };
const char* to_string(ProgramPresence presence);

class ProgramFilter {
public:
    explicit ProgramFilter(ProgramSelection selection);

    // Appends to `out` what this output carries of `size` bytes of whole packets, in their order,
    // rewritten tables where the source's stood. Nothing at all while the program is not present.
    void process(const uint8_t* packets, std::size_t size, std::vector<uint8_t>& out);
    // A new upstream connection, whose PIDs may differ: forgets the tables; keeps the counters and
    // versions of its own tables, so that the output continues them.
    void reset();

    ProgramPresence presence() const { return presence_; }
    // True once after each change of presence(), for the caller to log it and act on it.
    bool take_presence_change();
    // The program followed (the selection's, or the first the PAT lists); 0 until known.
    uint16_t program_number() const { return program_number_; }
    uint16_t pmt_pid() const { return pmt_pid_; }
    // The program_numbers of the source's last PAT.
    const std::vector<uint16_t>& programs() const { return programs_; }
    // The elementary streams the last PMT kept and the ones the rules removed.
    const std::vector<uint16_t>& kept_pids() const { return kept_pids_; }
    const std::vector<uint16_t>& removed_pids() const { return removed_pids_; }
    uint8_t pat_version() const { return pat_version_; }

    uint64_t packets_passed() const { return packets_passed_; }    // the program's packets, passed unchanged
    uint64_t packets_dropped() const { return packets_dropped_; }  // other programs', stripped and unknown PIDs
    std::size_t dropped_pid_count() const { return dropped_pids_.count(); }  // distinct PIDs dropped

private:
    enum Route : uint8_t { drop, pass, pat, pmt, sdt };

    void on_pat(const std::vector<uint8_t>& section, std::vector<uint8_t>& out);
    void on_pmt(const std::vector<uint8_t>& section, std::vector<uint8_t>& out);
    void on_sdt(const std::vector<uint8_t>& section, std::vector<uint8_t>& out);
    void follow_program(uint16_t program, uint16_t pmt_pid, uint16_t nit_pid);
    void set_presence(ProgramPresence presence);
    void clear_streams();
    void drop_packet(uint16_t pid);

    const ProgramSelection selection_;
    std::array<uint8_t, 8192> routes_{};
    SectionAssembler pat_sections_;
    SectionAssembler pmt_sections_;
    SectionAssembler sdt_sections_;

    ProgramPresence presence_ = ProgramPresence::unknown;
    bool presence_changed_ = false;
    uint16_t program_number_ = 0;
    uint16_t pmt_pid_ = 0x1FFF;
    uint16_t nit_pid_ = 0x1FFF;
    std::vector<uint16_t> programs_;
    std::vector<uint16_t> kept_pids_;
    std::vector<uint16_t> removed_pids_;
    std::vector<uint16_t> ca_pids_;  // ECM PIDs, passed too
    uint16_t pcr_pid_ = 0x1FFF;

    // The source's tables, by CRC_32, and what was made of them.
    bool has_source_pat_ = false;  // kept across reset(): the same PAT again keeps the version
    uint32_t source_pat_crc_ = 0;
    std::vector<uint8_t> pat_section_;
    uint8_t pat_version_ = 0;
    bool has_source_pmt_ = false;
    uint32_t source_pmt_crc_ = 0;
    std::vector<uint8_t> pmt_section_;
    uint8_t pmt_version_ = 0;  // of a rewritten PMT

    // Continuity counters of the tables this filter writes.
    uint8_t pat_cc_ = 0;
    uint8_t pmt_cc_ = 0;
    uint8_t sdt_cc_ = 0;

    uint64_t packets_passed_ = 0;
    uint64_t packets_dropped_ = 0;
    std::bitset<8192> dropped_pids_;
};
