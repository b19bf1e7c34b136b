// key_table.h - the machinery under the server.json schema, knowing none of its keys: a table of
// keys per kind of JSON object (name and parser), typed readers, and one-line errors and warnings
// that name the file and the key path ("FILE: resources[0].serve: missing").
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/parsed.h"

// "resources" + "serve" = "resources.serve"; "" + "listen" = "listen".
std::string child_path(const std::string& parent, std::string_view key);
// "resources" + 2 = "resources[2]".
std::string index_path(const std::string& parent, size_t index);

// The text as a JSON document; a syntax error reads "FILE:LINE:COL: syntax error: <phrase>".
Parsed<rapidjson::Document> parse_json(std::string_view json_text, const std::string& file_name);

// Reads the values of one file. Each check is one line: fail() stops the reading with the first
// problem, and run() turns it into the error of a Parsed.
class KeyReader {
public:
    using Value = rapidjson::Value;
    using ReadValue = std::function<void(const Value& value, const std::string& path)>;
    // A key allowed in one kind of object: its name in lower case and what reads its value.
    struct Key {
        const char* name;
        ReadValue read;
    };
    // The keys of one kind of object; any other name there is warned about and ignored.
    using KeyTable = std::vector<Key>;

    // Warnings go to `warnings`, each once and on one line, even when the reading fails later.
    KeyReader(std::string file_name, std::vector<std::string>& warnings)
        : file_(std::move(file_name)), warnings_(warnings) {}

    // Calls `read`; a fail() inside becomes the error. The exception never leaves this call, so
    // no caller and no other thread sees one.
    template <typename T, typename Read>
    Parsed<T> run(Read read) {
        try {
            return read();
        } catch (const Failure& failure) {
            return ParseError{failure.message};
        }
    }

    // Reads each member of `object` with the entry of `keys` that has its name.
    void read_members(const Value& object, const std::string& path, const KeyTable& keys);
    // For objects whose names are data (user names): each member, named as written (case matters),
    // the last of duplicates with a warning; "" is a comment here too.
    using ReadEntry = std::function<void(const std::string& name, const Value& value, const std::string& path)>;
    void read_entries(const Value& object, const std::string& path, const ReadEntry& read_entry);

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const;
    void warn(const std::string& path, const std::string& problem);

    unsigned read_uint(const Value& value, const std::string& path) const;
    // Any JSON number, integer or not.
    double read_number(const Value& value, const std::string& path) const;
    bool read_bool(const Value& value, const std::string& path) const;
    std::string read_string(const Value& value, const std::string& path) const;
    std::vector<std::string> read_string_array(const Value& value, const std::string& path) const;
    void expect_object(const Value& value, const std::string& path) const;
    void expect_array(const Value& value, const std::string& path) const;

    // Table entries that store the value as read, e.g. {"timeout", reader.into(config.timeout_s)}.
    ReadValue into(unsigned& field);
    ReadValue into(bool& field);
    ReadValue into(std::optional<bool>& field);
    ReadValue into(std::string& field);
    ReadValue into(std::optional<std::string>& field);
    ReadValue into(std::vector<std::string>& field);

private:
    struct Failure {
        std::string message;
    };
    struct Member {
        std::string name;  // as written
        const Value* value;
    };
    // The members that count, in file order; see read_members.
    std::vector<Member> last_members(const Value& object, const std::string& path, bool ignore_case,
                                     const std::function<bool(const std::string& name)>& warn_duplicate);

    std::string file_;
    std::vector<std::string>& warnings_;
    std::set<std::string> warned_;
};
