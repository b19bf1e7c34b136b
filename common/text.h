// text.h - small string helpers shared by the parsers (config, URLs, HTTP messages).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

// "text" with double quotes, for error messages that name a value.
inline std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// `text` with control characters written as escapes (\n, \t, \x01 ...): a message built from
// input (a config key, a header) stays one log line whatever the input holds.
inline std::string one_line(std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) out += c;
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else out += std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
    }
    return out;
}

// ASCII lower case; header names, schemes and keys are compared this way.
inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
