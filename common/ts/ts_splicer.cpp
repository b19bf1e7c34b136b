// ts_splicer.cpp - PAT wait, per-PID start wait, counter offsets and PCR discontinuity marking.
#include "common/ts/ts_splicer.h"

#include <cstring>

#include "common/ts/ts_packet.h"

void TsSplicer::begin_splice() {
    waiting_pat_ = true;
    for (PidState& pid : pids_) {
        pid.waiting_start = true;
        pid.mark_pcr = true;
    }
}

bool TsSplicer::rewrite(uint8_t* packet, const ContinuityChecker& output) {
    ts::PacketView view(packet);
    const uint16_t pid_number = view.pid();
    if (pid_number == ts::kPidNull) return true;
    if (waiting_pat_) {
        if (pid_number != ts::kPidPat || !view.pusi()) return false;
        waiting_pat_ = false;
    }
    PidState& pid = pids_[pid_number];
    if (pid.waiting_start) {
        if (!view.pusi()) return false;
        pid.waiting_start = false;
        // Continue the counter where the old source left it: the packet after its last one.
        const std::optional<uint8_t> last = output.last_counter(pid_number);
        if (view.has_payload() && last)
            pid.offset = static_cast<uint8_t>((*last + 1 - view.continuity_counter()) & 0x0F);
        else
            pid.offset = 0;
    }
    const uint8_t cc = static_cast<uint8_t>((view.continuity_counter() + pid.offset) & 0x0F);
    if (pid.offset != 0) ts::set_continuity_counter(packet, cc);
    if (pid.mark_pcr && view.has_pcr()) {
        packet[5] |= 0x80;  // discontinuity_indicator
        pid.mark_pcr = false;
    }
    return true;
}

std::size_t TsSplicer::process(std::vector<uint8_t>& bytes, const ContinuityChecker& output) {
    std::size_t kept = 0;
    const std::size_t count = bytes.size() / ts::kPacketSize;
    for (std::size_t i = 0; i < count; ++i) {
        uint8_t* packet = bytes.data() + i * ts::kPacketSize;
        if (!rewrite(packet, output)) continue;
        if (kept != i) std::memmove(bytes.data() + kept * ts::kPacketSize, packet, ts::kPacketSize);
        ++kept;
    }
    bytes.resize(kept * ts::kPacketSize);
    return count - kept;
}
