// stream_types.cpp - descriptor loops walked with their lengths checked against the loop's size.
#include "common/ts/stream_types.h"

#include <cctype>

namespace ts {

bool has_descriptor(const uint8_t* descriptors, std::size_t size, uint8_t tag) {
    for (std::size_t pos = 0; pos + 2 <= size; pos += 2 + std::size_t(descriptors[pos + 1])) {
        if (descriptors[pos] == tag) return true;
    }
    return false;
}

bool is_audio_stream(uint8_t stream_type, const uint8_t* descriptors, std::size_t size) {
    switch (stream_type) {
    case 0x03:  // MPEG-1 audio
    case 0x04:  // MPEG-2 audio
    case 0x0F:  // AAC (ADTS)
    case 0x11:  // AAC (LATM)
    case 0x81:  // AC-3 (ATSC)
    case 0x87:  // E-AC-3 (ATSC)
        return true;
    case 0x06:
        // AC-3, enhanced AC-3, DTS and AAC descriptors (EN 300 468 annex D).
        return has_descriptor(descriptors, size, 0x6A) || has_descriptor(descriptors, size, 0x7A) ||
               has_descriptor(descriptors, size, 0x7B) || has_descriptor(descriptors, size, 0x7C);
    default:
        return false;
    }
}

std::vector<std::string> stream_languages(const uint8_t* descriptors, std::size_t size) {
    std::vector<std::string> languages;
    for (std::size_t pos = 0; pos + 2 <= size; pos += 2 + std::size_t(descriptors[pos + 1])) {
        const std::size_t length = descriptors[pos + 1];
        if (descriptors[pos] != kIso639LanguageDescriptor || pos + 2 + length > size) continue;
        // Entries of ISO_639_language_code (24 bits) and audio_type (8 bits).
        for (std::size_t entry = pos + 2; entry + 4 <= pos + 2 + length; entry += 4) {
            std::string code;
            for (std::size_t i = 0; i < 3; ++i) code += static_cast<char>(std::tolower(descriptors[entry + i]));
            languages.push_back(code);
        }
    }
    return languages;
}

}  // namespace ts
