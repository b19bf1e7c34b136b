// hls_playlist.cpp - playlist text, segment names and byte ranges.
#include "server/http/hls_playlist.h"

#include <cstdio>

#include "common/utc_time.h"

using namespace std::chrono;

namespace {
std::optional<uint64_t> parse_decimal(std::string_view text) {
    if (text.empty() || text.size() > 19 || (text.size() > 1 && text.front() == '0')) return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value;
}

// Like parse_decimal, but "007" is 7: a client's byte positions may be padded.
std::optional<uint64_t> parse_position(std::string_view text) {
    while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
    return parse_decimal(text);
}
}  // namespace

std::string hls_media_playlist(const HlsWindowView& view, seconds target) {
    std::string text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(target.count()) + "\n";
    const uint64_t first = view.segments.empty() ? 0 : view.segments.front()->sequence;
    text += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n";
    text += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(view.discontinuity_sequence) + "\n";
    char extinf[48];
    for (const HlsSegmentRef& segment : view.segments) {
        if (segment->discontinuity) text += "#EXT-X-DISCONTINUITY\n";
        text += "#EXT-X-PROGRAM-DATE-TIME:" + iso8601_utc(segment->program_date_time) + "\n";
        std::snprintf(extinf, sizeof extinf, "#EXTINF:%.3f,\n", segment->duration.count() / 1e6);
        text += extinf;
        text += std::to_string(segment->sequence) + ".ts\n";
    }
    return text;
}

std::string hls_master_playlist(uint64_t bandwidth_bps, const std::string& codecs) {
    std::string text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(bandwidth_bps);
    if (!codecs.empty()) text += ",CODECS=\"" + codecs + "\"";
    return text + "\nindex.m3u8\n";
}

uint64_t hls_peak_bitrate(const HlsWindowView& view) {
    uint64_t peak = 0;
    for (const HlsSegmentRef& segment : view.segments) {
        if (segment->duration.count() <= 0) continue;
        peak = std::max<uint64_t>(peak, segment->bytes * 8 * 1000000 / static_cast<uint64_t>(segment->duration.count()));
    }
    return peak;
}

std::optional<uint64_t> hls_segment_number(std::string_view name) {
    constexpr std::string_view kSuffix = ".ts";
    if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) return std::nullopt;
    return parse_decimal(name.substr(0, name.size() - kSuffix.size()));
}

ByteRange parse_byte_range(std::string_view field, std::size_t size) {
    constexpr std::string_view kUnit = "bytes=";
    ByteRange whole;
    if (field.substr(0, kUnit.size()) != kUnit) return whole;  // absent, or a unit we do not know: ignored
    const std::string_view spec = field.substr(kUnit.size());
    const std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return whole;
    const std::string_view first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
    ByteRange range{ByteRange::Kind::part, 0, 0};
    if (first_text.empty()) {  // a suffix: the last N bytes
        const auto suffix = parse_position(last_text);
        if (!suffix) return whole;
        if (*suffix == 0 || size == 0) return ByteRange{ByteRange::Kind::unsatisfiable};
        range.length = std::min<uint64_t>(*suffix, size);
        range.first = size - range.length;
        return range;
    }
    const auto first = parse_position(first_text);
    const auto last = last_text.empty() ? std::optional<uint64_t>(UINT64_MAX) : parse_position(last_text);
    if (!first || !last || *last < *first) return whole;  // invalid: RFC 9110 says ignore it
    if (*first >= size) return ByteRange{ByteRange::Kind::unsatisfiable};
    range.first = *first;
    range.length = std::min<uint64_t>(*last, size - 1) - *first + 1;
    return range;
}
