// program_filter_test.cpp - ProgramFilter on a synthetic two-program multiplex: the rewritten PAT
// (one program and the NIT entry, CRC, continuity, version), PIDs passed and dropped, a PAT change,
// a program that leaves and returns, the strip rules' PMT rewrite and the SDT reduced to the service.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/ts/continuity.h"
#include "common/ts/program_filter.h"
#include "common/ts/psi_fields.h"
#include "common/ts/stream_types.h"
#include "synthetic_psi.h"

using synthetic::EsInfo;
using synthetic::Packet;

namespace {

constexpr uint16_t kNitPid = 0x10;
constexpr uint16_t kPmtA = 0x1000;
constexpr uint16_t kPmtB = 0x1001;

std::vector<uint8_t> language(const char* code) {
    return {ts::kIso639LanguageDescriptor, 4, uint8_t(code[0]), uint8_t(code[1]), uint8_t(code[2]), 0};
}

// Program 101: video, German and English audio, teletext, subtitles, SCTE-35. Program 102: video, audio.
std::vector<uint8_t> pmt_a(uint8_t version = 0) {
    return synthetic::make_pmt(101, version, 0x100,
                               {EsInfo{0x1B, 0x100, {}}, EsInfo{0x0F, 0x101, language("deu")},
                                EsInfo{0x0F, 0x102, language("eng")}, EsInfo{0x0F, 0x106, {}},
                                EsInfo{0x06, 0x103, {ts::kTeletextDescriptor, 5, 'd', 'e', 'u', 0x09, 0x00}},
                                EsInfo{0x06, 0x104, {ts::kSubtitlingDescriptor, 8, 'd', 'e', 'u', 0x10, 0, 1, 0, 1}},
                                EsInfo{ts::kStreamTypeScte35, 0x105, {}}});
}
std::vector<uint8_t> pmt_b() { return synthetic::make_pmt(102, 0, 0x200, {EsInfo{0x1B, 0x200, {}}, EsInfo{0x0F, 0x201, {}}}); }
std::vector<uint8_t> pat(uint8_t version, std::vector<std::pair<uint16_t, uint16_t>> programs) {
    return synthetic::make_pat(version, programs);
}
std::vector<uint8_t> default_pat() { return pat(3, {{0, kNitPid}, {101, kPmtA}, {102, kPmtB}}); }

// An SDT (actual) naming services 101 and 102, each with one dummy descriptor.
std::vector<uint8_t> sdt() {
    std::vector<uint8_t> body = {0x00, 0x01, 0xFF};  // original_network_id, reserved_future_use
    for (uint16_t service : {101, 102}) {
        const uint8_t entry[] = {uint8_t(service >> 8), uint8_t(service), 0xFC, 0x80, 0x03, 0x48, 0x01, uint8_t(service)};
        body.insert(body.end(), std::begin(entry), std::end(entry));
    }
    return synthetic::make_section(0x42, 0x0001, 0, body);
}

class Mux {
public:
    void table(uint16_t pid, const std::vector<uint8_t>& section) {
        for (const Packet& p : synthetic::packetize(pid, {section})) add(p);
    }
    void payload(uint16_t pid, std::size_t count = 1) {
        for (std::size_t i = 0; i < count; ++i) add(synthetic::make_packet(synthetic::PacketSpec(pid, 0)));
    }
    // PAT, both PMTs, SDT, EIT, NIT and one packet of every elementary stream.
    void cycle(const std::vector<uint8_t>& pat_section = default_pat()) {
        table(ts::kPidPat, pat_section);
        table(kPmtA, pmt_a());
        table(kPmtB, pmt_b());
        table(0x11, sdt());
        payload(0x12);  // EIT
        payload(kNitPid);
        for (uint16_t pid : {0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x200, 0x201}) payload(pid);
    }
    std::vector<uint8_t> bytes;

private:
    void add(Packet p) {
        const uint16_t pid = ts::PacketView(p.data()).pid();
        ts::set_continuity_counter(p.data(), cc_[pid]++);
        bytes.insert(bytes.end(), p.begin(), p.end());
    }
    std::map<uint16_t, uint8_t> cc_;
};

// What came out: packets per PID, every intact section per PID, continuity errors.
struct Output {
    explicit Output(const std::vector<uint8_t>& bytes) {
        std::map<uint16_t, SectionAssembler> assemblers;
        ContinuityChecker continuity;
        for (std::size_t at = 0; at < bytes.size(); at += ts::kPacketSize) {
            const uint8_t* p = bytes.data() + at;
            const uint16_t pid = ts::PacketView(p).pid();
            ++packets[pid];
            if (!continuity.check(p)) ++cc_errors;
            if (pid == 0 || pid == kPmtA || pid == kPmtB || pid == 0x11) {
                for (PsiSection& s : assemblers[pid].feed(p)) sections[pid].push_back(s.bytes);
            }
        }
        for (auto& [pid, assembler] : assemblers) bad_sections += assembler.bad_sections();
    }
    std::set<uint16_t> pids() const {
        std::set<uint16_t> out;
        for (const auto& entry : packets) out.insert(entry.first);
        return out;
    }
    std::map<uint16_t, int> packets;
    std::map<uint16_t, std::vector<std::vector<uint8_t>>> sections;
    uint64_t bad_sections = 0;
    int cc_errors = 0;
};

using ts::pat_entries;

std::vector<uint16_t> pmt_pids(const std::vector<uint8_t>& s) {
    std::vector<uint16_t> pids;
    for (std::size_t pos = 12 + ts::read_length12(&s[10]); pos + 5 <= s.size() - 4; pos += 5 + ts::read_length12(&s[pos + 3]))
        pids.push_back(ts::read_pid(&s[pos + 1]));
    return pids;
}

std::vector<uint8_t> run(ProgramFilter& filter, const std::vector<uint8_t>& in) {
    std::vector<uint8_t> out;
    filter.process(in.data(), in.size(), out);
    return out;
}

ProgramSelection program(uint16_t number) {
    ProgramSelection s;
    s.program = number;
    return s;
}

}  // namespace

TEST_CASE("ProgramFilter: one program out of two, with its own PAT, the NIT entry and the SDT reduced", "[program_filter]") {
    Mux mux;
    for (int i = 0; i < 20; ++i) mux.cycle();  // more PATs than the 4-bit counter counts
    ProgramFilter filter(program(102));
    const Output out(run(filter, mux.bytes));

    CHECK(filter.presence() == ProgramPresence::present);
    CHECK(out.pids() == std::set<uint16_t>{0, kNitPid, 0x11, kPmtB, 0x200, 0x201});
    CHECK(out.bad_sections == 0);
    CHECK(out.cc_errors == 0);
    REQUIRE(out.sections.at(0).size() == 20);
    const std::vector<uint8_t>& pat_out = out.sections.at(0).back();
    CHECK(pat_entries(pat_out) == std::vector<std::pair<uint16_t, uint16_t>>{{0, kNitPid}, {102, kPmtB}});
    CHECK(ts::section_version(pat_out) == 3);  // the source's, while it does not change
    CHECK(ts::read_u16(&pat_out[3]) == 0x0001);  // transport_stream_id kept
    CHECK(out.sections.at(kPmtB).back() == pmt_b());  // unchanged without strip rules
    // SDT: service 102 alone, CRC right (the assembler checked it).
    const std::vector<uint8_t>& sdt_out = out.sections.at(0x11).back();
    CHECK(sdt_out.size() == 11 + 8 + 4);
    CHECK(ts::read_u16(&sdt_out[11]) == 102);
    // EIT, the other program's PMT and streams: dropped and counted.
    CHECK(filter.packets_dropped() == 20 * (1 + 1 + 7));
    CHECK(filter.dropped_pid_count() == 9);
    CHECK(filter.programs() == std::vector<uint16_t>{101, 102});
}

TEST_CASE("ProgramFilter: without a program number it follows the first program of the PAT", "[program_filter]") {
    Mux mux;
    mux.cycle();
    ProgramSelection selection;
    selection.strip_scte35 = true;
    ProgramFilter filter(selection);
    const Output out(run(filter, mux.bytes));
    CHECK(filter.program_number() == 101);
    CHECK(out.packets.count(0x200) == 0);
    CHECK(out.packets.count(0x105) == 0);
}

TEST_CASE("ProgramFilter: a changed source PAT moves the version on, and the new PMT PID is followed", "[program_filter]") {
    Mux mux;
    mux.cycle();
    mux.cycle();
    ProgramFilter filter(program(101));
    std::vector<uint8_t> all = run(filter, mux.bytes);
    const Output before(all);
    REQUIRE(before.sections.at(0).size() == 2);
    const uint8_t version = ts::section_version(before.sections.at(0).back());

    mux.bytes.clear();  // program 101 moved its PMT to another PID
    const auto moved = pat(4, {{0, kNitPid}, {101, kPmtB}, {102, kPmtA}});
    mux.table(ts::kPidPat, moved);
    mux.table(kPmtA, pmt_b());
    mux.table(kPmtB, pmt_a());
    mux.payload(0x100);
    mux.payload(0x200);
    mux.table(ts::kPidPat, moved);
    const std::vector<uint8_t> later = run(filter, mux.bytes);
    const Output after(later);
    REQUIRE(after.sections.at(0).size() == 2);
    CHECK(ts::section_version(after.sections.at(0).front()) == ((version + 1) & 0x1F));
    CHECK(ts::section_version(after.sections.at(0).back()) == ((version + 1) & 0x1F));  // a repeat keeps it
    CHECK(pat_entries(after.sections.at(0).front()) == std::vector<std::pair<uint16_t, uint16_t>>{{0, kNitPid}, {101, kPmtB}});
    CHECK(after.packets.count(kPmtA) == 0);
    CHECK(after.packets.at(kPmtB) == 1);
    CHECK(after.packets.at(0x100) == 1);
    CHECK(after.packets.count(0x200) == 0);
    // Every table's counter continues across the change.
    all.insert(all.end(), later.begin(), later.end());
    CHECK(Output(all).cc_errors == 0);
}

TEST_CASE("ProgramFilter: a program that leaves the PAT gets nothing; back with other PIDs, its new PMT is followed", "[program_filter]") {
    Mux mux;
    mux.cycle();
    ProgramFilter filter(program(101));
    run(filter, mux.bytes);
    CHECK(filter.take_presence_change());
    CHECK(filter.presence() == ProgramPresence::present);

    mux.bytes.clear();
    mux.table(ts::kPidPat, pat(4, {{102, kPmtB}}));
    mux.table(kPmtA, pmt_a());
    mux.payload(0x100, 5);
    mux.payload(0x14);  // TDT: passed only while the program is there
    CHECK(run(filter, mux.bytes).empty());
    CHECK(filter.presence() == ProgramPresence::absent);
    CHECK(filter.take_presence_change());
    CHECK_FALSE(filter.take_presence_change());

    mux.bytes.clear();
    mux.table(ts::kPidPat, pat(5, {{101, 0x1200}, {102, kPmtB}}));
    mux.table(0x1200, synthetic::make_pmt(101, 1, 0x300, {EsInfo{0x1B, 0x300, {}}}));
    mux.payload(0x100);
    mux.payload(0x300, 2);
    const Output back(run(filter, mux.bytes));
    CHECK(filter.presence() == ProgramPresence::present);
    CHECK(back.pids() == std::set<uint16_t>{0, 0x1200, 0x300});
    CHECK(back.packets.at(0x300) == 2);
    CHECK(filter.kept_pids() == std::vector<uint16_t>{0x300});
}

TEST_CASE("ProgramFilter: without a PAT nothing passes; a PAT that never listed the program says absent", "[program_filter]") {
    Mux mux;
    mux.payload(0x100, 3);
    ProgramFilter filter(program(999));
    CHECK(run(filter, mux.bytes).empty());
    CHECK(filter.presence() == ProgramPresence::unknown);
    mux.cycle();
    CHECK(run(filter, mux.bytes).empty());
    CHECK(filter.presence() == ProgramPresence::absent);
    CHECK(filter.programs() == std::vector<uint16_t>{101, 102});
}

TEST_CASE("ProgramFilter: strip rules remove streams from the PMT (new CRC, version moved on) and their packets", "[program_filter]") {
    Mux mux;
    mux.cycle();
    mux.cycle();
    ProgramSelection selection = program(101);
    for (const char* rule : {"teletext", "subtitles", "scte35"}) REQUIRE(add_strip_rule(selection, rule));
    selection.audio_languages = {"deu"};
    ProgramFilter filter(selection);
    const Output out(run(filter, mux.bytes));
    CHECK(out.bad_sections == 0);
    CHECK(out.cc_errors == 0);
    REQUIRE(out.sections.at(kPmtA).size() == 2);
    const std::vector<uint8_t>& pmt = out.sections.at(kPmtA).back();
    // English audio goes; German and the untagged audio stay.
    CHECK(pmt_pids(pmt) == std::vector<uint16_t>{0x100, 0x101, 0x106});
    CHECK(ts::section_version(pmt) == 1);
    CHECK(out.sections.at(kPmtA).front() == pmt);  // a repeat of the source's PMT gives the same one
    CHECK(out.pids() == std::set<uint16_t>{0, kNitPid, 0x11, kPmtA, 0x100, 0x101, 0x106});
    CHECK(filter.removed_pids() == std::vector<uint16_t>{0x102, 0x103, 0x104, 0x105});
}

TEST_CASE("ProgramFilter: pids allow and deny lists; the PCR PID always passes", "[program_filter]") {
    Mux mux;
    mux.cycle();
    ProgramSelection deny = program(101);
    deny.deny_pids = {0x102, 0x103};
    ProgramFilter denying(deny);
    CHECK(Output(run(denying, mux.bytes)).pids() == std::set<uint16_t>{0, kNitPid, 0x11, kPmtA, 0x100, 0x101, 0x104, 0x105, 0x106});

    ProgramSelection allow = program(101);
    allow.has_allow = true;
    allow.allow_pids = {0x101};
    ProgramFilter allowing(allow);
    const Output out(run(allowing, mux.bytes));
    CHECK(pmt_pids(out.sections.at(kPmtA).back()) == std::vector<uint16_t>{0x101});
    CHECK(out.pids() == std::set<uint16_t>{0, kNitPid, 0x11, kPmtA, 0x100, 0x101});  // 0x100 carries the PCR
}

TEST_CASE("ProgramFilter: reset() keeps its tables' counters and the PAT version for the same source", "[program_filter]") {
    Mux mux;
    mux.cycle();
    ProgramFilter filter(program(101));
    std::vector<uint8_t> all = run(filter, mux.bytes);
    filter.reset();
    CHECK(filter.presence() == ProgramPresence::unknown);
    const std::vector<uint8_t> again = run(filter, mux.bytes);
    CHECK(ts::section_version(Output(again).sections.at(0).back()) == 3);
    // The same bytes twice: the source's PIDs repeat their counters once (a duplicate, allowed),
    // the filter's own PAT and PMT continue theirs.
    all.insert(all.end(), again.begin(), again.end());
    const Output both(all);
    CHECK(both.sections.at(0).size() == 2);
    CHECK(both.cc_errors == 0);
}

TEST_CASE("program_from_query and parse_program_number: numbers 1-65535, one-line errors", "[program_filter]") {
    CHECK(*parse_program_number("101") == 101);
    CHECK(*parse_program_number("65535") == 65535);
    CHECK(parse_program_number("0").error() == "program number 0 is not from 1 to 65535");
    CHECK(parse_program_number("65536").error() == "program number 65536 is not from 1 to 65535");
    CHECK(parse_program_number("1x").error() == "program number \"1x\" is not a number from 1 to 65535");
    CHECK_FALSE(parse_program_number(""));
    CHECK_FALSE(program_from_query({})->has_value());
    CHECK(**program_from_query({{"program", "7"}}) == 7);
    CHECK(program_from_query({{"program", "-1"}}).error() == "bad ?program=: program number \"-1\" is not a number from 1 to 65535");
    CHECK(program_from_query({{"program", "1"}, {"program", "2"}}).error() == "?program= given more than once");
    ProgramSelection s;
    CHECK_FALSE(add_strip_rule(s, "video"));
    CHECK(s.passes_everything());
}

TEST_CASE("ProgramFilter: the ECM PIDs of the program's CA descriptors pass, the other program's do not", "[program_filter]") {
    Mux mux;
    const std::vector<uint8_t> ca_a = {0x09, 4, 0x0B, 0x00, 0xE1, 0x50};  // CA_system_ID 0x0B00, ECMs on 0x150
    const std::vector<uint8_t> ca_b = {0x09, 4, 0x0B, 0x00, 0xE1, 0x60};
    mux.table(ts::kPidPat, default_pat());
    mux.table(kPmtA, synthetic::make_pmt(101, 0, 0x100, {EsInfo{0x1B, 0x100, {}}}, ca_a));
    mux.table(kPmtB, synthetic::make_pmt(102, 0, 0x200, {EsInfo{0x1B, 0x200, {}}}, ca_b));
    mux.payload(0x150);
    mux.payload(0x160);
    ProgramFilter filter(program(101));
    CHECK(Output(run(filter, mux.bytes)).pids() == std::set<uint16_t>{0, kPmtA, 0x150});
}
