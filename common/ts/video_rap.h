// video_rap.h - video codecs a PMT can name, and whether a PES packet starts a random access point
// (a picture a new decoder can start from). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

enum class VideoCodec { none, mpeg2, h264, h265 };

const char* to_string(VideoCodec codec);

// From a PMT stream_type: 0x01/0x02 MPEG-1/2 video, 0x1B H.264, 0x24 H.265; none for anything else.
VideoCodec video_codec_of_stream_type(uint8_t stream_type);

// `pes` is the start of a PES packet (packet_start_code_prefix first), `size` the bytes of it at hand,
// normally the payload of the packet with payload_unit_start_indicator. True when the start codes in
// those bytes open a random access point:
//   H.264  an IDR slice (nal_unit_type 5), or an SPS (7) not followed by a P/B slice (open GOP I picture);
//   H.265  an IRAP picture (nal_unit_type 16..23: BLA, IDR, CRA), or a VPS/SPS/PPS (32..34) not
//          followed by a non-IRAP slice;
//   MPEG-2 a sequence_header (0xB3). A group_of_pictures header alone is not enough: a decoder that
//          joins there has no sequence header yet.
// Only the given bytes are scanned: a parameter set whose slice lies beyond them counts, a keyframe
// whose first start code lies beyond them (a PES header or adaptation field filling the packet) is missed.
bool pes_starts_random_access(VideoCodec codec, const uint8_t* pes, std::size_t size);
