// text.h - small string helpers shared by the parsers (config, URLs, HTTP messages) and the logs.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

// "text" with double quotes, for error messages that name a value.
inline std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Appends `byte` as the four characters \xHH (lower-case hex): how the logs write a byte they may
// not pass through.
inline void append_hex_escape(std::string& out, unsigned char byte) {
    static const char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
}

// `text` with control characters written as escapes (\n, \t, \x01 ...): a message built from
// input (a config key, a header) stays one log line whatever the input holds.
inline std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) out += c;
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else append_hex_escape(out, u);
    }
    return out;
}

// Whether `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF, no sequence cut short.
bool is_utf8(std::string_view text);

// `text` as well-formed UTF-8, for logs that must stay valid UTF-8 (JSON) whatever a client sent:
// `text` itself when it already is, else a copy in `storage` where every byte that does not belong
// to a well-formed sequence is written as the four characters \xHH (lower-case hex, as one_line()
// writes control characters) and valid sequences are kept. Kept as text rather than replaced by
// U+FFFD so that the bytes a client sent can still be read; a client that sent a real backslash
// and "xff" looks the same, which for a log is the lesser loss.
std::string_view as_utf8(std::string_view text, std::string& storage);

// `text` as a URI query value (RFC 3986): unreserved characters and '/' as they are, every other
// byte as %HH (upper-case hex).
std::string percent_encode(std::string_view text);

// ASCII lower case; header names, schemes and keys are compared this way.
inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
