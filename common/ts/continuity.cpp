// continuity.cpp - the continuity_counter rules of ISO/IEC 13818-1 2.4.3.3, applied per PID.
#include "common/ts/continuity.h"

#include "common/ts/ts_packet.h"

bool ContinuityChecker::check(const uint8_t* packet) {
    ts::PacketView p(packet);
    PidState& s = pids_[p.pid()];
    if (!s.seen) {
        s.seen = true;
        ++pid_count_;
    }
    if (p.pid() == ts::kPidNull || p.tei() || !p.has_payload()) return true;

    uint8_t cc = p.continuity_counter();
    bool first = !s.has_counter;
    bool in_order = s.has_counter && cc == ((s.last_cc + 1) & 0x0F);
    bool duplicate = s.has_counter && cc == s.last_cc && !s.duplicated;
    bool ok = first || in_order || duplicate || p.discontinuity();
    s.duplicated = duplicate;
    s.has_counter = true;
    s.last_cc = cc;
    if (!ok) ++errors_;
    return ok;
}

void ContinuityChecker::reset() {
    pids_.fill(PidState{});
    errors_ = 0;
    pid_count_ = 0;
}

std::optional<uint8_t> ContinuityChecker::last_counter(uint16_t pid) const {
    const PidState& s = pids_[pid & (kPidCount - 1)];
    if (!s.has_counter) return std::nullopt;
    return s.last_cc;
}
