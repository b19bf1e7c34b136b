// packet_chunk.h - an immutable block of whole TS packets shared by every client queue.
// Written once by the upstream reader, then only read, from any thread, through ChunkRef.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ts_packet.h"

struct PacketChunk {
    std::vector<uint8_t> bytes;  // a whole number of 188-byte packets

    std::size_t packet_count() const { return bytes.size() / ts::kPacketSize; }
};

// Clients hold references, never copies: fan-out to N clients costs N pointer copies.
using ChunkRef = std::shared_ptr<const PacketChunk>;
