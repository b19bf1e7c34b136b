// ts_framer.cpp - sync acquisition and packet alignment for TsFramer.
#include "common/ts/ts_framer.h"

#include <cstring>

#include "common/ts/ts_packet.h"

using ts::kPacketSize;
using ts::kSyncByte;

// Why several syncs: in random bytes one 0x47 in 256 has another 0x47 one packet later, so a
// framer that trusts two syncs turns noise into junk packets (random PIDs that look like programme
// and keep a dead upstream alive). Demuxers trust an alignment only after a run of packets (ffmpeg's
// probe scores sync bytes at one offset over many packets). Five syncs in a row lock onto noise with
// odds of 1 in 256^4 per candidate, about once per terabyte of random bytes, and delay a real stream
// by four packets (3 ms at 2 Mbit/s) at start and after a loss.
static_assert(TsFramer::kLockSyncs >= 2, "a lock needs at least one confirming sync");

std::size_t TsFramer::find_lock(const uint8_t* b, std::size_t pos, std::size_t n) {
    while (pos < n) {
        const void* sync = std::memchr(b + pos, kSyncByte, n - pos);
        if (!sync) return n;
        pos = static_cast<std::size_t>(static_cast<const uint8_t*>(sync) - b);
        std::size_t syncs = 1;
        while (syncs < kLockSyncs && pos + syncs * kPacketSize < n && b[pos + syncs * kPacketSize] == kSyncByte) ++syncs;
        if (syncs == kLockSyncs) {
            in_sync_ = true;
            return pos;
        }
        // Every sync read so far is there: the rest decides, so hold from here (under
        // kLockSyncs packets, since the first unread sync is at most that far on).
        if (pos + syncs * kPacketSize >= n) return pos;
        ++pos;
    }
    return n;
}

std::size_t TsFramer::frame(const uint8_t* b, std::size_t n, std::vector<uint8_t>& out) {
    std::size_t pos = 0;
    for (;;) {
        if (!in_sync_) {
            const std::size_t start = find_lock(b, pos, n);
            skipped_bytes_ += start - pos;
            pos = start;
            if (!in_sync_) return pos;
        }
        // Locked: a packet goes out when the next one starts with a sync too, or when the next
        // one is not read yet, so that the last packet of a read does not wait for the next read.
        const std::size_t run = pos;
        while (n - pos >= kPacketSize && b[pos] == kSyncByte && (pos + kPacketSize == n || b[pos + kPacketSize] == kSyncByte))
            pos += kPacketSize;
        out.insert(out.end(), b + run, b + pos);
        if (n - pos < kPacketSize) return pos;  // a partial packet: completed by the next read
        // Garbage, or a packet cut short (its successor's sync is not where it should be): the
        // packet cannot be trusted, and a new lock needs its several syncs again.
        ++sync_losses_;
        if (n - pos > 2 * kPacketSize && b[pos + 2 * kPacketSize] == kSyncByte) ++sync_byte_errors_;
        in_sync_ = false;
        ++skipped_bytes_;
        ++pos;
    }
}

void TsFramer::push(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out) {
    if (work_.empty()) {
        // Nothing held: frame the caller's bytes in place and keep only the tail.
        const std::size_t done = frame(data, len, out);
        work_.assign(data + done, data + len);
        return;
    }
    work_.insert(work_.end(), data, data + len);
    const std::size_t done = frame(work_.data(), work_.size(), out);
    work_.erase(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(done));
}

void TsFramer::reset() {
    skipped_bytes_ += work_.size();
    work_.clear();
    in_sync_ = false;
}
