// recent_chunks.h - RecentChunks: the last chunks a stream published, by number, so that a viewer
// known to have everything before chunk N can be given the rest. Single-threaded (the reader).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

#include "server/pipeline/packet_chunk.h"

class RecentChunks {
public:
    explicit RecentChunks(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // Chunk number `seq`; numbers go up by one from one add() to the next.
    void add(uint64_t seq, ChunkRef chunk) {
        chunks_.emplace_back(seq, std::move(chunk));
        if (chunks_.size() > capacity_) chunks_.pop_front();
    }

    // Calls give(chunk) for the chunks numbered [from, before), in order. False, and nothing
    // given, when some of them are no longer held.
    template <typename Give>
    bool replay(uint64_t from, uint64_t before, Give&& give) const {
        if (from >= before) return true;
        if (chunks_.empty() || from < chunks_.front().first || before - 1 > chunks_.back().first) return false;
        for (std::size_t i = from - chunks_.front().first; i < chunks_.size() && chunks_[i].first < before; ++i)
            give(chunks_[i].second);
        return true;
    }

private:
    const std::size_t capacity_;
    std::deque<std::pair<uint64_t, ChunkRef>> chunks_;
};
