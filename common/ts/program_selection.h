// program_selection.h - ProgramSelection: which program of a multiplex an output carries and which
// of its elementary streams it strips (a stream resource's `program`, `strip`, `audio` and `pids`,
// and a URL's `?program=`), with the parsers for their values. Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/parsed.h"

struct ProgramSelection {
    // program_number from the PAT; none: the first program the PAT lists.
    std::optional<uint16_t> program;
    // `strip` rules.
    bool strip_teletext = false;   // DVB teletext (descriptor 0x56, VBI 0x46)
    bool strip_subtitles = false;  // DVB subtitles (descriptor 0x59)
    bool strip_data = false;       // private sections and data PES (stream_type 0x05, 0x0B-0x0D, 0x15, 0x16, plain 0x06)
    bool strip_scte35 = false;     // SCTE-35 splice information (stream_type 0x86)
    // `audio`: the ISO 639 codes kept (lower case); empty keeps every audio stream. Untagged audio is kept.
    std::vector<std::string> audio_languages;
    // `pids`: elementary stream PIDs removed, or (allow) the only ones kept.
    std::vector<uint16_t> deny_pids;
    std::vector<uint16_t> allow_pids;
    bool has_allow = false;

    // No rule at all: the output is the upstream as it is.
    bool passes_everything() const;
    // Whether any rule removes elementary streams (the PMT is then rewritten).
    bool strips_streams() const;
    // A short text for logs and the statistics, e.g. "program=101 strip=teletext,scte35 audio=deu".
    std::string describe() const;
    bool operator==(const ProgramSelection& other) const;
};

// Sets the rule named `name` ("teletext", "subtitles", "data", "scte35"); false for another name.
bool add_strip_rule(ProgramSelection& selection, const std::string& name);
// A program_number as text: 1 to 65535 in decimal (0 is the network PID's entry, not a program).
Parsed<uint16_t> parse_program_number(const std::string& text);
// The `program` parameter of a URL's query, if any; an error for a malformed or repeated one.
Parsed<std::optional<uint16_t>> program_from_query(const std::multimap<std::string, std::string>& query);
