// video_rap.cpp - PES header skip and start code scans for H.264, H.265 and MPEG-2 video.
#include "common/ts/video_rap.h"

namespace {

enum class Verdict { undecided, rap, not_rap };

// Reads the unsigned Exp-Golomb codes (ue(v), H.264 9.1) at the start of a slice header.
class BitReader {
public:
    BitReader(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool read_ue(uint32_t& value) {
        int zeros = 0;
        for (;;) {
            int bit = read_bit();
            if (bit < 0 || zeros > 31) return false;
            if (bit == 1) break;
            ++zeros;
        }
        uint64_t suffix = 0;
        for (int i = 0; i < zeros; ++i) {
            int bit = read_bit();
            if (bit < 0) return false;
            suffix = (suffix << 1) | static_cast<uint64_t>(bit);
        }
        value = static_cast<uint32_t>((uint64_t(1) << zeros) - 1 + suffix);
        return true;
    }

private:
    int read_bit() {
        if (pos_ >= size_ * 8) return -1;
        int bit = (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
        ++pos_;
        return bit;
    }

    const uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// `nal` is the byte after the start code; `size` counts it and what follows.
Verdict h264_nal(const uint8_t* nal, std::size_t size, bool& parameter_set_seen) {
    switch (nal[0] & 0x1F) {
    case 5:  // coded slice of an IDR picture
        return Verdict::rap;
    case 7:  // seq_parameter_set
        parameter_set_seen = true;
        return Verdict::undecided;
    case 1: {  // coded slice of a non-IDR picture: an I slice after an SPS is an open GOP's start
        if (!parameter_set_seen) return Verdict::not_rap;
        BitReader bits(nal + 1, size - 1);
        uint32_t first_mb_in_slice = 0, slice_type = 0;
        if (!bits.read_ue(first_mb_in_slice) || !bits.read_ue(slice_type)) return Verdict::undecided;
        const bool intra = slice_type % 5 == 2 || slice_type % 5 == 4;  // I or SI
        return intra ? Verdict::rap : Verdict::not_rap;
    }
    case 2: case 3: case 4:  // slice data partitions
        return Verdict::not_rap;
    default:
        return Verdict::undecided;
    }
}

Verdict h265_nal(uint8_t header, bool& parameter_set_seen) {
    const int type = (header >> 1) & 0x3F;
    if (type >= 16 && type <= 23) return Verdict::rap;  // IRAP: BLA, IDR, CRA and reserved IRAP types
    if (type < 16) return Verdict::not_rap;             // every other VCL type
    if (type >= 32 && type <= 34) parameter_set_seen = true;
    return Verdict::undecided;
}

Verdict mpeg2_start_code(uint8_t code) {
    if (code == 0xB3) return Verdict::rap;      // sequence_header_code
    if (code == 0x00) return Verdict::not_rap;  // picture_start_code with no sequence header before it
    return Verdict::undecided;
}

// Offset of the elementary stream data in a PES packet, or 0 when the header is absent or cut off.
std::size_t pes_data_offset(const uint8_t* pes, std::size_t size) {
    if (size < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1) return 0;
    // Video streams always carry the optional header; its first two bits are '10'.
    if ((pes[6] & 0xC0) != 0x80) return 0;
    const std::size_t offset = 9 + std::size_t(pes[8]);  // PES_header_data_length - 8 bits
    return offset < size ? offset : 0;
}

}  // namespace

const char* to_string(VideoCodec codec) {
    switch (codec) {
    case VideoCodec::none: return "none";
    case VideoCodec::mpeg2: return "mpeg2";
    case VideoCodec::h264: return "h264";
    case VideoCodec::h265: return "h265";
    }
    return "unknown";
}

VideoCodec video_codec_of_stream_type(uint8_t stream_type) {
    switch (stream_type) {
    case 0x01: case 0x02: return VideoCodec::mpeg2;
    case 0x1B: return VideoCodec::h264;
    case 0x24: return VideoCodec::h265;
    default: return VideoCodec::none;
    }
}

bool pes_starts_random_access(VideoCodec codec, const uint8_t* pes, std::size_t size) {
    const std::size_t start = pes_data_offset(pes, size);
    if (start == 0 || codec == VideoCodec::none) return false;
    bool parameter_set_seen = false;
    // i + 3 < size: the byte after the start code must be at hand too.
    for (std::size_t i = start; i + 3 < size;) {
        if (pes[i] != 0 || pes[i + 1] != 0 || pes[i + 2] != 1) {
            ++i;
            continue;
        }
        const uint8_t* unit = pes + i + 3;
        Verdict verdict = Verdict::undecided;
        if (codec == VideoCodec::h264) verdict = h264_nal(unit, size - i - 3, parameter_set_seen);
        else if (codec == VideoCodec::h265) verdict = h265_nal(unit[0], parameter_set_seen);
        else verdict = mpeg2_start_code(unit[0]);
        if (verdict != Verdict::undecided) return verdict == Verdict::rap;
        i += 3;
    }
    // The bytes ended before a picture: parameter sets open an access unit only at a keyframe in
    // the streams we see, and without them no decoder can start anyway.
    return parameter_set_seen;
}
