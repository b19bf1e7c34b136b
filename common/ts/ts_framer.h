// ts_framer.h - cuts an arbitrary byte stream into aligned 188-byte TS packets.
// Locks on only after several sync bytes in a row, keeps a partial packet across reads, re-acquires
// after garbage or a cut packet and counts the bytes it skips. Single-threaded: owned by one reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

class TsFramer {
public:
    // Sync bytes one packet apart that must all be there before the framer locks on (see ts_framer.cpp).
    static constexpr std::size_t kLockSyncs = 5;

    // Appends every whole packet found in the bytes seen so far to `out`; keeps the rest for the next call.
    void push(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out);
    // Forgets the bytes held (the upstream was reopened) and counts them as skipped.
    void reset();

    uint64_t skipped_bytes() const { return skipped_bytes_; }
    // Times the framer lost sync on a stream that had it (garbage, a cut packet).
    uint64_t sync_losses() const { return sync_losses_; }
    // Of those, the ones where the byte due as a sync byte was not 0x47 but the next packet's is
    // (TR 101 290's Sync_byte_error: one corrupted byte, not a cut packet).
    uint64_t sync_byte_errors() const { return sync_byte_errors_; }
    // Bytes kept for the next push: a partial packet, or while unlocked a candidate lock waiting
    // for its confirming syncs (less than kLockSyncs packets). Neither framed nor skipped yet.
    std::size_t held_bytes() const { return work_.size(); }

private:
    // Frames b[0, n), appending packets to `out`; returns how many bytes it is done with.
    std::size_t frame(const uint8_t* b, std::size_t n, std::vector<uint8_t>& out);
    // Unlocked: the first offset from `pos` where kLockSyncs syncs in a row start (then sets
    // in_sync_), or where they still may once more bytes arrive; n when there is none.
    std::size_t find_lock(const uint8_t* b, std::size_t pos, std::size_t n);

    std::vector<uint8_t> work_;  // the bytes held from the last call, then the new ones
    bool in_sync_ = false;
    uint64_t skipped_bytes_ = 0;
    uint64_t sync_losses_ = 0;
    uint64_t sync_byte_errors_ = 0;
};
