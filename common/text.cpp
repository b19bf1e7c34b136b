// text.cpp - UTF-8 validation, one definition for every log that must stay valid UTF-8.
#include "common/text.h"

namespace {
// The length of the well-formed UTF-8 sequence at the start of `text`, or 0 when there is none.
// The second byte's range is what rules out overlong forms, surrogates and code points past
// U+10FFFF (RFC 3629, section 4).
std::size_t sequence_length(std::string_view text) {
    const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the second byte's range
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) length = 3;
    else if (lead >= 0xf0 && lead <= 0xf4) length = 4;
    else return 0;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
    if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if ((byte(i) & 0xc0) != 0x80) return 0;
    return length;
}
}  // namespace

bool is_utf8(std::string_view text) {
    while (!text.empty()) {
        const std::size_t n = sequence_length(text);
        if (n == 0) return false;
        text.remove_prefix(n);
    }
    return true;
}

std::string_view as_utf8(std::string_view text, std::string& storage) {
    if (is_utf8(text)) return text;
    storage.clear();
    storage.reserve(text.size() + 16);
    while (!text.empty()) {
        const std::size_t n = sequence_length(text);
        if (n > 0) {
            storage.append(text.data(), n);
            text.remove_prefix(n);
            continue;
        }
        append_hex_escape(storage, static_cast<unsigned char>(text[0]));
        text.remove_prefix(1);
    }
    return storage;
}

std::string percent_encode(std::string_view text) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += c;
            continue;
        }
        out += '%';
        out += kHex[u >> 4];
        out += kHex[u & 15];
    }
    return out;
}
