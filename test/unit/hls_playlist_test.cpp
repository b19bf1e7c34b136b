// hls_playlist_test.cpp - the media and master playlist text, segment names and Range parsing.
#include <catch2/catch.hpp>

#include "server/http/hls_playlist.h"

namespace {
using namespace std::chrono_literals;

HlsSegmentRef segment(uint64_t sequence, std::chrono::microseconds duration, bool discontinuity = false, std::size_t bytes = 0) {
    auto s = std::make_shared<HlsSegment>();
    s->sequence = sequence;
    s->duration = duration;
    s->discontinuity = discontinuity;
    s->bytes = bytes;
    s->program_date_time = std::chrono::system_clock::time_point{} + 1796578741893ms;
    return s;
}
}  // namespace

TEST_CASE("HLS playlist: the live media playlist lists each segment with its date, duration and name", "[hls_playlist]") {
    HlsWindowView view{{segment(41, 2000000us), segment(42, 1999500us, true)}, 3};
    CHECK(hls_media_playlist(view, 4s) ==
          "#EXTM3U\n"
          "#EXT-X-VERSION:3\n"
          "#EXT-X-TARGETDURATION:4\n"
          "#EXT-X-MEDIA-SEQUENCE:41\n"
          "#EXT-X-DISCONTINUITY-SEQUENCE:3\n"
          "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T17:39:01.893Z\n"
          "#EXTINF:2.000,\n"
          "41.ts\n"
          "#EXT-X-DISCONTINUITY\n"
          "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T17:39:01.893Z\n"
          "#EXTINF:2.000,\n"
          "42.ts\n");
}

TEST_CASE("HLS playlist: the master playlist names index.m3u8 with the peak bitrate", "[hls_playlist]") {
    HlsWindowView view{{segment(1, 2s, false, 500000), segment(2, 1s, false, 300000)}, 0};
    CHECK(hls_peak_bitrate(view) == 2400000);
    CHECK(hls_master_playlist(2400000, "avc1.64001f,mp4a.40.2") ==
          "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=2400000,CODECS=\"avc1.64001f,mp4a.40.2\"\nindex.m3u8\n");
    CHECK(hls_master_playlist(1, "") == "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1\nindex.m3u8\n");
    CHECK(hls_peak_bitrate(HlsWindowView{}) == 0);
}

TEST_CASE("HLS playlist: segment names are plain decimal numbers", "[hls_playlist]") {
    CHECK(hls_segment_number("17.ts") == 17u);
    CHECK(hls_segment_number("0.ts") == 0u);
    CHECK(hls_segment_number("1796578741893.ts") == 1796578741893u);
    CHECK_FALSE(hls_segment_number("017.ts"));
    CHECK_FALSE(hls_segment_number("-1.ts"));
    CHECK_FALSE(hls_segment_number(".ts"));
    CHECK_FALSE(hls_segment_number("12.ts.ts"));
    CHECK_FALSE(hls_segment_number("99999999999999999999.ts"));
    CHECK_FALSE(hls_segment_number("index.m3u8"));
}

TEST_CASE("HLS playlist: byte ranges of a segment", "[hls_playlist]") {
    using Kind = ByteRange::Kind;
    auto r = parse_byte_range("bytes=100-299", 1000);
    CHECK((r.kind == Kind::part && r.first == 100 && r.length == 200));
    r = parse_byte_range("bytes=900-", 1000);
    CHECK((r.kind == Kind::part && r.first == 900 && r.length == 100));
    r = parse_byte_range("bytes=990-5000", 1000);
    CHECK((r.kind == Kind::part && r.first == 990 && r.length == 10));
    r = parse_byte_range("bytes=-300", 1000);
    CHECK((r.kind == Kind::part && r.first == 700 && r.length == 300));
    r = parse_byte_range("bytes=-3000", 1000);
    CHECK((r.kind == Kind::part && r.first == 0 && r.length == 1000));
    CHECK(parse_byte_range("bytes=1000-", 1000).kind == Kind::unsatisfiable);
    CHECK(parse_byte_range("bytes=-0", 1000).kind == Kind::unsatisfiable);
    CHECK(parse_byte_range("", 1000).kind == Kind::whole);
    CHECK(parse_byte_range("bytes=5-1", 1000).kind == Kind::whole);        // invalid: ignored
    CHECK(parse_byte_range("bytes=0-1,5-6", 1000).kind == Kind::whole);    // several: the whole body
    CHECK(parse_byte_range("items=0-1", 1000).kind == Kind::whole);
    CHECK(parse_byte_range("bytes=a-b", 1000).kind == Kind::whole);
}
