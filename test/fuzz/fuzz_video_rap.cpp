// fuzz_video_rap.cpp - libFuzzer target for the keyframe test on the start of a PES packet
// (pes_starts_random_access) and the stream_type table, for every codec.
//
// Input: byte 0 picks the codec (mod 4: none, mpeg2, h264, h265), byte 1 is a PMT stream_type,
// the rest is the PES bytes, as the inspector passes the payload of a unit-start packet.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ts/video_rap.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const VideoCodec codec = static_cast<VideoCodec>(data[0] % 4);
    const VideoCodec from_type = video_codec_of_stream_type(data[1]);
    fuzz_check(to_string(codec) != nullptr && to_string(from_type) != nullptr, "to_string(VideoCodec)");
    // A copy of exactly the PES bytes: ASan then catches any read past what the caller handed in.
    const std::vector<uint8_t> pes(data + 2, data + size);
    const bool rap = pes_starts_random_access(codec, pes.data(), pes.size());
    if (codec == VideoCodec::none) fuzz_check(!rap, "no codec, no random access point");
    if (rap) {
        fuzz_check(pes.size() >= 9 && pes[0] == 0 && pes[1] == 0 && pes[2] == 1, "a RAP is in a PES packet");
    }
    fuzz_check(pes_starts_random_access(codec, pes.data(), pes.size()) == rap, "the verdict is repeatable");
    return 0;
}
