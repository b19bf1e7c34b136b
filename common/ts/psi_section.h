// psi_section.h - SectionAssembler: collects the long-form PSI sections (PAT, PMT) of one PID from
// its packets, keeping the raw packets that carried each one. Single-threaded: the stream's reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

struct PsiSection {
    std::vector<uint8_t> bytes;    // table_id up to and including CRC_32, checked
    std::vector<uint8_t> packets;  // the whole 188-byte packets it was carried in, in order
};

class SectionAssembler {
public:
    // Takes one packet of this PID and returns the sections it completed, in order; usually none or
    // one. The result is valid until the next call and may be moved from. A section is dropped when
    // a continuity_counter gap cuts it, when it runs past its packet, or when its CRC_32 is wrong
    // (counted in bad_sections()); section_syntax_indicator 0 counts as bad too.
    std::vector<PsiSection>& feed(const uint8_t* packet);

    uint64_t bad_sections() const { return bad_sections_; }
    // Forgets any partial section, e.g. when the PID changes meaning or the upstream changes.
    void reset();

private:
    // Appends bytes of the current section from [p, end); returns where its end left off.
    const uint8_t* append(const uint8_t* p, const uint8_t* end);
    void start(const uint8_t* packet);
    void finish();
    void abandon();

    static constexpr std::size_t kMaxSectionSize = 4096;  // 3-byte header + 12-bit section_length

    std::vector<PsiSection> done_;
    PsiSection current_;
    std::size_t expected_size_ = 0;  // 0 until section_length has arrived
    bool active_ = false;            // current_ holds the start of a section
    bool has_cc_ = false;
    uint8_t last_cc_ = 0;
    uint64_t bad_sections_ = 0;
};
