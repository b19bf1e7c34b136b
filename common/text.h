// text.h - small string helpers shared by the parsers (config, URLs, HTTP messages).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

// "text" with double quotes, for error messages that name a value.
inline std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// ASCII lower case; header names, schemes and keys are compared this way.
inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
