// program_selection.cpp - the rule names and number syntax of a ProgramSelection.
#include "common/ts/program_selection.h"

bool ProgramSelection::passes_everything() const { return !program && !strips_streams(); }

bool ProgramSelection::strips_streams() const {
    return strip_teletext || strip_subtitles || strip_data || strip_scte35 || !audio_languages.empty() ||
           !deny_pids.empty() || has_allow;
}

namespace {
void append_item(std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; }

void append_pids(std::string& out, const char* name, const std::vector<uint16_t>& pids) {
    std::string list;
    for (uint16_t pid : pids) append_item(list, std::to_string(pid));
    out += std::string(out.empty() ? "" : " ") + name + "=" + list;
}
}  // namespace

std::string ProgramSelection::describe() const {
    std::string out = program ? "program=" + std::to_string(*program) : "";
    std::string strip;
    if (strip_teletext) append_item(strip, "teletext");
    if (strip_subtitles) append_item(strip, "subtitles");
    if (strip_data) append_item(strip, "data");
    if (strip_scte35) append_item(strip, "scte35");
    if (!strip.empty()) out += (out.empty() ? "strip=" : " strip=") + strip;
    std::string audio;
    for (const std::string& language : audio_languages) append_item(audio, language);
    if (!audio.empty()) out += (out.empty() ? "audio=" : " audio=") + audio;
    if (!deny_pids.empty()) append_pids(out, "deny", deny_pids);
    if (has_allow) append_pids(out, "allow", allow_pids);
    return out;
}

bool ProgramSelection::operator==(const ProgramSelection& o) const {
    return program == o.program && strip_teletext == o.strip_teletext && strip_subtitles == o.strip_subtitles &&
           strip_data == o.strip_data && strip_scte35 == o.strip_scte35 && audio_languages == o.audio_languages &&
           deny_pids == o.deny_pids && allow_pids == o.allow_pids && has_allow == o.has_allow;
}

bool add_strip_rule(ProgramSelection& selection, const std::string& name) {
    if (name == "teletext") selection.strip_teletext = true;
    else if (name == "subtitles") selection.strip_subtitles = true;
    else if (name == "data") selection.strip_data = true;
    else if (name == "scte35") selection.strip_scte35 = true;
    else return false;
    return true;
}

Parsed<uint16_t> parse_program_number(const std::string& text) {
    if (text.empty()) return ParseError{"program number is empty"};
    if (text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
        return ParseError{"program number \"" + text + "\" is not a number from 1 to 65535"};
    const unsigned long value = std::stoul(text);
    if (value < 1 || value > 65535) return ParseError{"program number " + text + " is not from 1 to 65535"};
    return static_cast<uint16_t>(value);
}

Parsed<std::optional<uint16_t>> program_from_query(const std::multimap<std::string, std::string>& query) {
    const auto range = query.equal_range("program");
    if (range.first == range.second) return std::optional<uint16_t>{};
    if (std::next(range.first) != range.second) return ParseError{"?program= given more than once"};
    Parsed<uint16_t> number = parse_program_number(range.first->second);
    if (!number) return ParseError{"bad ?program=: " + number.error()};
    return std::optional<uint16_t>(*number);
}
