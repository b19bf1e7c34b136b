// pmt_rules.cpp - what each strip rule removes, decided from stream_type and descriptors.
#include "common/ts/pmt_rules.h"

#include <algorithm>

#include "common/ts/psi_fields.h"
#include "common/ts/stream_types.h"

namespace {

bool contains(const std::vector<uint16_t>& pids, uint16_t pid) { return std::find(pids.begin(), pids.end(), pid) != pids.end(); }

bool is_data_stream(uint8_t stream_type, const uint8_t* descriptors, std::size_t size) {
    switch (stream_type) {
    case 0x05:  // private sections
    case 0x0B:  // DSM-CC (0x0B-0x0D)
    case 0x0C:
    case 0x0D:
    case 0x15:  // metadata in PES
    case 0x16:  // metadata in sections
        return true;
    case 0x06:  // PES private data that no descriptor makes audio, teletext or subtitles
        return !ts::is_audio_stream(stream_type, descriptors, size) &&
               !ts::has_descriptor(descriptors, size, ts::kTeletextDescriptor) &&
               !ts::has_descriptor(descriptors, size, ts::kVbiTeletextDescriptor) &&
               !ts::has_descriptor(descriptors, size, ts::kSubtitlingDescriptor);
    default:
        return false;
    }
}

bool language_kept(const ProgramSelection& s, const uint8_t* descriptors, std::size_t size) {
    const std::vector<std::string> languages = ts::stream_languages(descriptors, size);
    if (languages.empty()) return true;  // untagged audio is kept
    for (const std::string& language : languages) {
        if (std::find(s.audio_languages.begin(), s.audio_languages.end(), language) != s.audio_languages.end()) return true;
    }
    return false;
}

bool stream_removed(const ProgramSelection& s, uint8_t stream_type, uint16_t pid, const uint8_t* d, std::size_t size) {
    if (contains(s.deny_pids, pid)) return true;
    if (s.has_allow && !contains(s.allow_pids, pid)) return true;
    if (s.strip_scte35 && stream_type == ts::kStreamTypeScte35) return true;
    if (s.strip_teletext && stream_type == 0x06 &&
        (ts::has_descriptor(d, size, ts::kTeletextDescriptor) || ts::has_descriptor(d, size, ts::kVbiTeletextDescriptor)))
        return true;
    if (s.strip_subtitles && stream_type == 0x06 && ts::has_descriptor(d, size, ts::kSubtitlingDescriptor)) return true;
    if (s.strip_data && is_data_stream(stream_type, d, size)) return true;
    if (!s.audio_languages.empty() && ts::is_audio_stream(stream_type, d, size) && !language_kept(s, d, size)) return true;
    return false;
}

// CA_PID - 13 bits, of every CA_descriptor (0x09) in the loop: a descrambler needs their ECMs.
void add_ca_pids(const uint8_t* descriptors, std::size_t size, std::vector<uint16_t>& out) {
    for (std::size_t pos = 0; pos + 2 <= size; pos += 2 + std::size_t(descriptors[pos + 1])) {
        if (descriptors[pos] == 0x09 && descriptors[pos + 1] >= 4 && pos + 6 <= size) out.push_back(ts::read_pid(&descriptors[pos + 4]));
    }
}

}  // namespace

std::optional<PmtPlan> plan_pmt(const std::vector<uint8_t>& b, const ProgramSelection& selection, uint8_t version) {
    if (b.size() < 16) return std::nullopt;
    const std::size_t end = b.size() - 4;
    PmtPlan plan;
    plan.pcr_pid = ts::read_pid(&b[8]);
    std::size_t pos = 12 + ts::read_length12(&b[10]);  // past program_info_length - 12 bits
    if (pos > end) return std::nullopt;
    add_ca_pids(&b[12], pos - 12, plan.ca_pids);
    std::vector<uint8_t> rebuilt(b.begin(), b.begin() + pos);
    while (pos + 5 <= end) {
        const uint8_t stream_type = b[pos];
        const uint16_t pid = ts::read_pid(&b[pos + 1]);
        const std::size_t info_length = ts::read_length12(&b[pos + 3]);  // ES_info_length - 12 bits
        const std::size_t next = pos + 5 + info_length;
        if (next > end) return std::nullopt;
        if (stream_removed(selection, stream_type, pid, &b[pos + 5], info_length)) {
            plan.removed_pids.push_back(pid);
        } else {
            plan.kept_pids.push_back(pid);
            add_ca_pids(&b[pos + 5], info_length, plan.ca_pids);
            rebuilt.insert(rebuilt.end(), b.begin() + pos, b.begin() + next);
        }
        pos = next;
    }
    if (plan.removed_pids.empty()) {
        plan.section = b;
    } else {
        ts::seal_section(rebuilt, version);
        plan.section = std::move(rebuilt);
    }
    return plan;
}
