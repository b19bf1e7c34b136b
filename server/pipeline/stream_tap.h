// stream_tap.h - StreamTap: an output of a Stream that is not a viewer (the HLS segmenter). The
// stream's reader thread calls it once per chunk, after the viewers got the chunk; it must not
// block, since every viewer of the stream waits for the reader.
#pragma once

#include "common/ts/ts_inspector.h"
#include "server/pipeline/packet_chunk.h"

class StreamTap {
public:
    virtual ~StreamTap() = default;
    // Reader thread. `program` is the packetizer's view of the programme, as of this read.
    virtual void chunk(const ChunkRef& chunk, const TsInspector& program) = 0;
    // Reader thread: the next chunks come from a new upstream connection (`splice`: joined onto the old one).
    virtual void upstream_connected(bool splice) = 0;
};
