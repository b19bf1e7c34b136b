// viewer_session.h - ViewerSession: one viewer's HTTP response. Its connection thread drains the
// viewer's queue into its own socket through its own httplib DataSink, one gathered write per
// batch, and finishes the session once (log line, access-log entry, viewer count), whatever ended it.
// Every call comes from the viewer's connection thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/http/access_log.h"
#include "server/http/buffer_pool.h"
#include "server/pipeline/stream.h"

namespace httplib {
struct DataSink;
}

// A batch per 256 KiB or per kMaxBatchDelay, whichever comes first: the wake-ups of a viewer's
// thread follow the stream's bitrate (4 a second at 8 Mbit/s) but never fall below about 3 a
// second, so no byte waits in the server much longer than the delay.
constexpr std::size_t kBatchBytes = 256 * 1024;
constexpr std::chrono::milliseconds kMaxBatchDelay{300};
// A viewer whose socket accepts nothing for this long is dropped.
constexpr std::chrono::seconds kWriteTimeout{5};

class ViewerSession {
public:
    // `finished`: called once when the session ends (gives the viewer's slot back).
    ViewerSession(std::shared_ptr<Stream> stream, std::shared_ptr<Viewer> viewer, AccessEntry entry,
                  std::shared_ptr<AccessLog> log, BufferPool& pool, std::function<void()> finished);
    ~ViewerSession();
    ViewerSession(const ViewerSession&) = delete;
    ViewerSession& operator=(const ViewerSession&) = delete;

    // httplib's content provider: waits for a batch and writes it. False when the response ends.
    bool provide(httplib::DataSink& sink);
    // httplib's releaser, or the destructor: detaches the viewer, logs, gives the slot back. Once.
    // `reason` is used when nothing else ended the session first.
    void finish(const std::string& reason);

private:
    const std::shared_ptr<Stream> stream_;
    const std::shared_ptr<Viewer> viewer_;
    AccessEntry entry_;
    const std::shared_ptr<AccessLog> log_;
    BufferPool& pool_;
    std::function<void()> finished_;  // null once finished
    std::vector<ChunkRef> batch_;
};

// Writes a batch with few write calls and no copy of large chunks: chunks smaller than
// kGatherBelow are gathered into one buffer borrowed from `pool`, larger ones go out as they are.
// (A chunk is what one upstream read brought, often a few KiB.) `write` returns false when the
// viewer is gone; so does this. `sent` counts the bytes written.
constexpr std::size_t kGatherBelow = 128 * 1024;
bool write_batch(const std::vector<ChunkRef>& batch, BufferPool& pool,
                 const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent);
