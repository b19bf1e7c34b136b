// hls_playlist.h - the text of HLS playlists (RFC 8216) and the parsing of HLS request names and
// of a segment's Range field. Pure, without httplib: the unit tests call it directly; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/pipeline/hls_window.h"

// The live media playlist of `view`; `target` is EXT-X-TARGETDURATION, fixed for the output's life.
std::string hls_media_playlist(const HlsWindowView& view, std::chrono::seconds target);
// A master playlist of one variant, index.m3u8; `codecs` left out when empty.
std::string hls_master_playlist(uint64_t bandwidth_bps, const std::string& codecs);
// The peak bitrate of the window's segments (BANDWIDTH: RFC 8216 section 4.3.4.2), 0 when empty.
uint64_t hls_peak_bitrate(const HlsWindowView& view);

// "N.ts" -> N; nullopt for any other name (leading zeros, signs, overflow included).
std::optional<uint64_t> hls_segment_number(std::string_view name);

// One byte range of a body of `size` bytes, from a Range field (RFC 9110 section 14.1.2).
struct ByteRange {
    enum class Kind { whole, part, unsatisfiable };
    Kind kind = Kind::whole;  // whole: no field, or one we answer with the whole body (several ranges, other units)
    std::size_t first = 0;
    std::size_t length = 0;  // of the part
};
ByteRange parse_byte_range(std::string_view field, std::size_t size);
