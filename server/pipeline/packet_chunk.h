// packet_chunk.h - an immutable block of whole TS packets shared by every client queue.
// Written once by the upstream reader, then only read, from any thread, through ChunkRef.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/ts/ts_packet.h"

struct PacketChunk;
// Clients hold references, never copies: fan-out to N clients costs N pointer copies.
using ChunkRef = std::shared_ptr<const PacketChunk>;

struct PacketChunk {
    std::vector<uint8_t> bytes;  // a whole number of 188-byte packets
    // The first packet starts a video random access point (a keyframe): a viewer may start here.
    // The reader cuts chunks so that a keyframe is always at a chunk start.
    bool random_access = false;
    // The first packet starts a video picture (a PES); a keyframe is also a picture start. The
    // reader cuts chunks at every picture, so that a viewer can stop between two pictures.
    bool picture_start = false;
    // With random_access: the PAT and PMT packets as they stood just before this chunk, to send
    // first to a viewer that starts here.
    ChunkRef psi;
    // When the reader cut it from an upstream read: the GOP cache's age bound and a viewer's lag
    // are measured with it.
    std::chrono::steady_clock::time_point arrived{};

    std::size_t packet_count() const { return bytes.size() / ts::kPacketSize; }
};
