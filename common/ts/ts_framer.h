// ts_framer.h - cuts an arbitrary byte stream into aligned 188-byte TS packets.
// Keeps a partial packet across reads, re-synchronises on 0x47 after garbage and counts the bytes it skips.
// Single-threaded: owned by one upstream reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

class TsFramer {
public:
    // Appends every whole packet found in the bytes seen so far to `out`; keeps the rest for the next call.
    void push(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out);
    // Forgets the partial packet (the upstream was reopened) and counts it as skipped.
    void reset();

    uint64_t skipped_bytes() const { return skipped_bytes_; }
    // Times the framer lost sync on a stream that had it (garbage, a cut packet).
    uint64_t sync_losses() const { return sync_losses_; }

private:
    // True when `pos` holds a sync byte and the byte one packet later is a sync too (or not yet
    // read while the framer is locked). Sets need_more_ when unlocked and the confirmation is unread.
    bool is_packet_start(std::size_t pos);

    std::vector<uint8_t> work_;  // the kept tail of the last call followed by the new bytes
    bool in_sync_ = false;
    bool need_more_ = false;
    uint64_t skipped_bytes_ = 0;
    uint64_t sync_losses_ = 0;
};
