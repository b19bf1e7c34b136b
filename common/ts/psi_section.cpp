// psi_section.cpp - pointer_field handling, sections spanning packets, several sections per packet.
#include "common/ts/psi_section.h"

#include <algorithm>

#include "common/ts/crc32_mpeg.h"
#include "common/ts/ts_packet.h"

std::vector<PsiSection>& SectionAssembler::feed(const uint8_t* packet) {
    done_.clear();
    ts::PacketView view(packet);
    const std::size_t offset = view.payload_offset();
    if (offset >= ts::kPacketSize) return done_;
    const uint8_t cc = view.continuity_counter();
    // A packet may be sent twice in a row (13818-1 2.4.3.3); the copy adds nothing.
    if (has_cc_ && cc == last_cc_) return done_;
    const bool in_sequence = !has_cc_ || cc == ((last_cc_ + 1) & 0x0F);
    has_cc_ = true;
    last_cc_ = cc;
    if (active_ && !in_sequence) abandon();

    const uint8_t* p = packet + offset;
    const uint8_t* end = packet + ts::kPacketSize;
    if (!view.pusi()) {
        if (!active_) return done_;
        current_.packets.insert(current_.packets.end(), packet, end);
        append(p, end);
        return done_;
    }
    const std::size_t pointer = *p++;  // pointer_field - 8 bits: bytes of the previous section first
    if (pointer > std::size_t(end - p)) {
        abandon();
        return done_;
    }
    if (active_) {
        current_.packets.insert(current_.packets.end(), packet, end);
        append(p, p + pointer);
        if (active_) abandon();  // the pointer says it ended here, its length said otherwise
    }
    p += pointer;
    // Further sections may follow back to back; 0xFF as a table_id is the stuffing after the last.
    while (p < end && *p != 0xFF) {
        start(packet);
        p = append(p, end);
        if (active_) break;  // continues in the next packets
    }
    return done_;
}

void SectionAssembler::reset() {
    abandon();
    has_cc_ = false;
}

const uint8_t* SectionAssembler::append(const uint8_t* p, const uint8_t* end) {
    std::vector<uint8_t>& bytes = current_.bytes;
    while (active_) {
        if (expected_size_ == 0 && bytes.size() >= 3) {
            const std::size_t section_length = (std::size_t(bytes[1] & 0x0F) << 8) | bytes[2];  // 12 bits
            expected_size_ = 3 + section_length;
            if (expected_size_ > kMaxSectionSize) {
                ++bad_sections_;
                abandon();
                break;
            }
        }
        const std::size_t target = expected_size_ != 0 ? expected_size_ : 3;
        if (bytes.size() == target) {
            finish();
            break;
        }
        if (p == end) break;
        const std::size_t n = std::min(target - bytes.size(), std::size_t(end - p));
        bytes.insert(bytes.end(), p, p + n);
        p += n;
    }
    return p;
}

void SectionAssembler::start(const uint8_t* packet) {
    current_.bytes.clear();
    current_.packets.assign(packet, packet + ts::kPacketSize);
    expected_size_ = 0;
    active_ = true;
}

void SectionAssembler::finish() {
    const std::vector<uint8_t>& bytes = current_.bytes;
    // section_syntax_indicator - 1 bit; the long form has 5 header bytes after section_length and a CRC_32.
    const bool intact = (bytes[1] & 0x80) && bytes.size() >= 12 && ts::crc32_mpeg(bytes.data(), bytes.size()) == 0;
    if (intact) done_.push_back(std::move(current_));
    else ++bad_sections_;
    abandon();
}

void SectionAssembler::abandon() {
    current_.bytes.clear();
    current_.packets.clear();
    expected_size_ = 0;
    active_ = false;
}
