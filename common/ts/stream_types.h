// stream_types.h - what an elementary stream of a PMT carries, from its stream_type and descriptors
// (ISO/IEC 13818-1 2.4.4.9, ETSI EN 300 468 6.2). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

// descriptor_tag values this code looks for.
constexpr uint8_t kIso639LanguageDescriptor = 0x0A;
constexpr uint8_t kVbiTeletextDescriptor = 0x46;
constexpr uint8_t kTeletextDescriptor = 0x56;
constexpr uint8_t kSubtitlingDescriptor = 0x59;
constexpr uint8_t kStreamTypeScte35 = 0x86;

// Whether the descriptor loop [descriptors, descriptors + size) holds one with this tag.
bool has_descriptor(const uint8_t* descriptors, std::size_t size, uint8_t tag);
// Audio by stream_type, or PES private data (0x06) that a DVB audio descriptor marks as audio.
bool is_audio_stream(uint8_t stream_type, const uint8_t* descriptors, std::size_t size);
// The ISO 639 codes of the stream's language descriptors, lower case; empty when it has none.
std::vector<std::string> stream_languages(const uint8_t* descriptors, std::size_t size);

}  // namespace ts
