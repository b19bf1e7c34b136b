// base64.cpp - RFC 4648 encoding, three bytes to four characters, and nginx's URL-alphabet decoding.
#include "common/config/base64.h"

#include <cstdint>

namespace {

std::string encode(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t left = bytes.size() - i;
        uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
        if (left > 1) group |= static_cast<uint8_t>(bytes[i + 1]) << 8;
        if (left > 2) group |= static_cast<uint8_t>(bytes[i + 2]);
        out += alphabet[(group >> 18) & 63];
        out += alphabet[(group >> 12) & 63];
        if (left > 1) out += alphabet[(group >> 6) & 63];
        else if (pad) out += '=';
        if (left > 2) out += alphabet[group & 63];
        else if (pad) out += '=';
    }
    return out;
}

// The value of a character in the standard (`url` false) or the URL alphabet; -1 when not in it.
int value_of(char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

std::string base64url_encode(std::string_view bytes) {
    return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

std::optional<std::string> base64url_decode_lenient(std::string_view text) {
    text = text.substr(0, text.find('='));
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    uint32_t group = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value_of(c, true);
        if (v < 0) return std::nullopt;
        group = group << 6 | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((group >> bits) & 0xff);
        }
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t group = 0;
    for (size_t i = 0; i < text.size() - padding; ++i) {
        const int v = value_of(text[i], false);
        if (v < 0) return std::nullopt;
        group = group << 6 | static_cast<uint32_t>(v);
        if (i % 4 == 3) {
            out += static_cast<char>(group >> 16);
            out += static_cast<char>(group >> 8);
            out += static_cast<char>(group);
            group = 0;
        }
    }
    if (padding == 1) {
        group <<= 6;
        out += static_cast<char>(group >> 16);
        out += static_cast<char>(group >> 8);
    } else if (padding == 2) {
        group <<= 12;
        out += static_cast<char>(group >> 16);
    }
    return out;
}
