// config_schema_program.cpp - a stream's program and PID selection keys (program, strip, audio,
// pids) read into its ProgramSelection; a rule that cannot be met stops the server with its key path.
#include "common/config/config_schema.h"

#include <cctype>

#include "common/text.h"

namespace {
bool is_language_code(const std::string& code) {
    if (code.size() != 3) return false;
    for (char c : code) {
        if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    }
    return true;
}
}  // namespace

std::vector<uint16_t> ConfigSchema::read_pid_list(const Value& value, const std::string& path) const {
    reader_.expect_array(value, path);
    std::vector<uint16_t> pids;
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        const unsigned pid = reader_.read_uint(value[i], index_path(path, i));
        if (pid > 0x1FFE) reader_.fail(index_path(path, i), "PID " + std::to_string(pid) + " is not from 0 to 8190");
        pids.push_back(static_cast<uint16_t>(pid));
    }
    return pids;
}

KeyReader::KeyTable ConfigSchema::program_keys(Resource& resource) {
    ProgramSelection& selection = resource.selection;
    return {
        // Ours: one program of a multiplex (program_number in the PAT), as a single-program stream.
        {"program", [this, &selection](const Value& value, const std::string& path) {
             const unsigned number = reader_.read_uint(value, path);
             if (number < 1 || number > 65535) reader_.fail(path, "must be a program number from 1 to 65535");
             selection.program = static_cast<uint16_t>(number);
         }},
        // Ours: elementary streams removed from the output and its PMT.
        {"strip", [this, &selection](const Value& value, const std::string& path) {
             const std::vector<std::string> rules = reader_.read_string_array(value, path);
             for (std::size_t i = 0; i < rules.size(); ++i) {
                 if (!add_strip_rule(selection, rules[i]))
                     reader_.fail(index_path(path, i), "unknown strip rule " + quoted(one_line(rules[i])) +
                                                           " (expected teletext, subtitles, data, scte35)");
             }
         }},
        // Ours: the audio languages kept (ISO 639 codes); audio without a language is kept.
        {"audio", [this, &selection](const Value& value, const std::string& path) {
             std::vector<std::string> codes = reader_.read_string_array(value, path);
             for (std::size_t i = 0; i < codes.size(); ++i) {
                 if (!is_language_code(codes[i]))
                     reader_.fail(index_path(path, i), "expected a 3-letter ISO 639 language code such as \"eng\", not " + quoted(one_line(codes[i])));
                 for (char& c : codes[i]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
             }
             selection.audio_languages = std::move(codes);
         }},
        // Ours: elementary stream PIDs removed ("deny"), or the only ones kept ("allow").
        {"pids", [this, &selection](const Value& value, const std::string& path) {
             reader_.expect_object(value, path);
             reader_.read_members(value, path, {
                 {"deny", [&](const Value& v, const std::string& p) { selection.deny_pids = read_pid_list(v, p); }},
                 {"allow", [&](const Value& v, const std::string& p) {
                      selection.allow_pids = read_pid_list(v, p);
                      selection.has_allow = true;
                  }},
             });
             if (selection.has_allow && !selection.deny_pids.empty()) reader_.fail(path, "give \"allow\" or \"deny\", not both");
         }},
    };
}
