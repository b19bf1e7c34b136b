// ts_framer.cpp - sync search and packet alignment for TsFramer.
#include "common/ts/ts_framer.h"

#include <algorithm>
#include <cstring>

#include "common/ts/ts_packet.h"

using ts::kPacketSize;
using ts::kSyncByte;

bool TsFramer::is_packet_start(std::size_t pos) {
    if (work_[pos] != kSyncByte) return false;
    // When the next packet's first byte is here, it must be a sync too: that rejects a lone 0x47
    // in garbage and a packet cut short by the upstream.
    if (pos + kPacketSize < work_.size()) return work_[pos + kPacketSize] == kSyncByte;
    // At the end of the bytes read so far: trust the sync only while locked, so that the last
    // packet of a read goes out without waiting for the next read.
    if (in_sync_) return true;
    need_more_ = true;
    return false;
}

void TsFramer::push(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out) {
    work_.insert(work_.end(), data, data + len);
    std::size_t pos = 0;
    need_more_ = false;
    while (work_.size() - pos >= kPacketSize) {
        if (is_packet_start(pos)) {
            in_sync_ = true;
            out.insert(out.end(), work_.begin() + pos, work_.begin() + pos + kPacketSize);
            pos += kPacketSize;
            continue;
        }
        if (need_more_) break;
        if (in_sync_) ++sync_losses_;
        in_sync_ = false;
        auto next = std::find(work_.begin() + pos + 1, work_.end(), kSyncByte);
        std::size_t next_pos = static_cast<std::size_t>(next - work_.begin());
        skipped_bytes_ += next_pos - pos;
        pos = next_pos;
    }
    work_.erase(work_.begin(), work_.begin() + pos);
}

void TsFramer::reset() {
    skipped_bytes_ += work_.size();
    work_.clear();
    in_sync_ = false;
}
