// key_table.cpp - key tables over RapidJSON values: duplicate and comment keys, typed readers,
// syntax errors with line and column.
#include "common/config/key_table.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "common/text.h"

namespace {

using rapidjson::Value;

// "LINE:COL", 1-based; the column counts UTF-8 characters, as editors do.
std::string line_column(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

// RapidJSON says "Missing a comma or '}' after an object member."; our errors are lowercase phrases.
std::string syntax_error_phrase(rapidjson::ParseErrorCode code) {
    std::string phrase = rapidjson::GetParseError_En(code);
    if (!phrase.empty()) phrase[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(phrase[0])));
    if (!phrase.empty() && phrase.back() == '.') phrase.pop_back();
    return phrase;
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

Parsed<rapidjson::Document> parse_json(std::string_view json_text, const std::string& file_name) {
    rapidjson::Document document;
    const char* data = json_text.empty() ? "" : json_text.data();  // RapidJSON asserts on a null pointer
    document.Parse<rapidjson::kParseValidateEncodingFlag>(data, json_text.size());
    if (document.HasParseError()) {
        return ParseError{file_name + ":" + line_column(json_text, document.GetErrorOffset()) +
                          ": syntax error: " + syntax_error_phrase(document.GetParseError())};
    }
    return Parsed<rapidjson::Document>(std::move(document));
}

// Keys named "" are comments and may repeat. Of a name given twice (compared in lower case when
// ignore_case) only the last counts, as in Go's encoding/json; the earlier ones are warned about
// when warn_duplicate(name as compared) says so.
std::vector<KeyReader::Member> KeyReader::last_members(const Value& object, const std::string& path, bool ignore_case,
                                                       const std::function<bool(const std::string&)>& warn_duplicate) {
    expect_object(object, path);
    auto compared = [ignore_case](const std::string& name) { return ignore_case ? to_lower(name) : name; };
    std::map<std::string, const Value*> last;  // name as compared -> the value that counts
    for (const auto& member : object.GetObject()) {
        const std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty()) continue;
        auto [it, first] = last.emplace(compared(name), &member.value);
        if (!first && warn_duplicate(it->first)) warn(child_path(path, name), "duplicate key, the last one is used");
        it->second = &member.value;
    }
    std::vector<Member> members;
    for (const auto& member : object.GetObject()) {
        std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty() || last[compared(name)] != &member.value) continue;
        members.push_back(Member{std::move(name), &member.value});
    }
    return members;
}

// Keys match case-insensitively because restreamer reads the file with Go's encoding/json, which
// does, so existing files may say "Listen". A repeated unknown key gets one warning, not two.
void KeyReader::read_members(const Value& object, const std::string& path, const KeyTable& keys) {
    auto find_key = [&keys](const std::string& lower_name) -> const Key* {
        for (const Key& key : keys) {
            if (lower_name == key.name) return &key;
        }
        return nullptr;
    };
    auto known = [&find_key](const std::string& lower_name) { return find_key(lower_name) != nullptr; };
    for (const Member& member : last_members(object, path, true, known)) {
        const std::string member_path = child_path(path, member.name);
        const Key* key = find_key(to_lower(member.name));
        if (key) {
            key->read(*member.value, member_path);
        } else {
            warn(member_path, "unknown key, ignored");
        }
    }
}

void KeyReader::read_entries(const Value& object, const std::string& path, const ReadEntry& read_entry) {
    auto always = [](const std::string&) { return true; };
    for (const Member& member : last_members(object, path, false, always)) {
        read_entry(member.name, *member.value, child_path(path, member.name));
    }
}

// Keys and values are quoted into the messages as written: "a\nb" must not make two lines.
void KeyReader::fail(const std::string& path, const std::string& problem) const {
    throw Failure{one_line(file_ + ": " + (path.empty() ? "" : path + ": ") + problem)};
}

void KeyReader::warn(const std::string& path, const std::string& problem) {
    const std::string line = file_ + ": " + path + ": " + problem;
    if (warned_.insert(line).second) warnings_.push_back(one_line(line));
}

unsigned KeyReader::read_uint(const Value& value, const std::string& path) const {
    if (!value.IsUint()) fail(path, "expected a non-negative integer");
    return value.GetUint();
}

double KeyReader::read_number(const Value& value, const std::string& path) const {
    if (!value.IsNumber()) fail(path, "expected a number");
    return value.GetDouble();
}

bool KeyReader::read_bool(const Value& value, const std::string& path) const {
    if (!value.IsBool()) fail(path, "expected a boolean");
    return value.GetBool();
}

std::string KeyReader::read_string(const Value& value, const std::string& path) const {
    if (!value.IsString()) fail(path, "expected a string");
    return std::string(value.GetString(), value.GetStringLength());
}

std::vector<std::string> KeyReader::read_string_array(const Value& value, const std::string& path) const {
    if (!value.IsArray()) fail(path, "expected an array of strings");
    std::vector<std::string> out;
    for (const Value& item : value.GetArray()) {
        if (!item.IsString()) fail(index_path(path, out.size()), "expected a string");
        out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
}

void KeyReader::expect_object(const Value& value, const std::string& path) const {
    if (!value.IsObject()) fail(path, "expected an object");
}

void KeyReader::expect_array(const Value& value, const std::string& path) const {
    if (!value.IsArray()) fail(path, "expected an array");
}

KeyReader::ReadValue KeyReader::into(unsigned& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_uint(value, path); };
}

KeyReader::ReadValue KeyReader::into(bool& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_bool(value, path); };
}

KeyReader::ReadValue KeyReader::into(std::optional<bool>& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_bool(value, path); };
}

KeyReader::ReadValue KeyReader::into(std::string& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_string(value, path); };
}

KeyReader::ReadValue KeyReader::into(std::optional<std::string>& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_string(value, path); };
}

KeyReader::ReadValue KeyReader::into(std::vector<std::string>& field) {
    return [this, &field](const Value& value, const std::string& path) { field = read_string_array(value, path); };
}
