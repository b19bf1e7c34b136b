// synthetic_program.h - a tiny single-program transport stream for pipeline tests: PAT, PMT, and an
// H.264 video PID whose pictures are keyframes or not, each PID with running continuity counters.
// Test code only; header-only.
#pragma once

#include <array>
#include <vector>

#include "synthetic_psi.h"
#include "synthetic_ts.h"

namespace synthetic {

class Program {
public:
    static constexpr uint16_t kPmtPid = 0x1000;
    static constexpr uint16_t kVideoPid = 0x100;

    std::vector<uint8_t> pat() { return numbered(packetize(ts::kPidPat, {make_pat(0, {{1, kPmtPid}})})); }
    std::vector<uint8_t> pmt() { return numbered(packetize(kPmtPid, {make_pmt(1, 0, kVideoPid, {EsInfo{0x1B, kVideoPid, {}}})})); }
    // The first packet of a picture; a keyframe carries random_access_indicator.
    std::vector<uint8_t> picture(bool keyframe) {
        PacketSpec spec(kVideoPid, 0);
        spec.pcr = 0;  // an adaptation field, to carry the flag
        spec.pts = 0;
        Packet p = make_packet(spec);
        if (keyframe) p[5] |= 0x40;
        return numbered({p});
    }
    // `count` packets continuing the current picture.
    std::vector<uint8_t> payload(std::size_t count) {
        std::vector<Packet> packets(count, make_packet(PacketSpec(kVideoPid, 0)));
        return numbered(packets);
    }
    // PAT, PMT, a keyframe and `pictures` more pictures of `packets` packets each.
    std::vector<uint8_t> gop(std::size_t pictures, std::size_t packets) {
        std::vector<uint8_t> out = pat();
        append(out, pmt());
        append(out, picture(true));
        append(out, payload(packets - 1));
        for (std::size_t i = 0; i < pictures; ++i) {
            append(out, picture(false));
            append(out, payload(packets - 1));
        }
        return out;
    }
    static void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) { out.insert(out.end(), more.begin(), more.end()); }

private:
    // Gives each packet the next counter of its PID.
    std::vector<uint8_t> numbered(std::vector<Packet> packets) {
        for (Packet& p : packets) {
            const uint16_t pid = ts::PacketView(p.data()).pid();
            ts::set_continuity_counter(p.data(), next_cc_[pid]);
            next_cc_[pid] = static_cast<uint8_t>((next_cc_[pid] + 1) & 0x0F);
        }
        return concat(packets);
    }
    std::array<uint8_t, 8192> next_cc_{};
};

}  // namespace synthetic
