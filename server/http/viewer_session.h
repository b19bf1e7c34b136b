// viewer_session.h - ViewerSession: one viewer's HTTP response. Its connection thread drains the
// viewer's queue into its own socket, one vectored write per batch (the shared chunks themselves,
// never a copy), and finishes the session once (log line, access-log entry, viewer count), whatever
// ended it. Every call comes from the viewer's connection thread.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/http/access_log.h"
#include "server/pipeline/stream.h"

namespace httplib {
struct DataSink;
}
class SocketStream;

// A batch per 512 KiB or per kMaxBatchDelay, whichever comes first. Up to about 13 Mbit/s the delay
// sets the pace: about 3 wake-ups a second, each by the viewer's own timer, so the reader thread,
// which feeds every viewer, spends none of its time waking them. Above that the bytes do, and
// 512 KiB still fits the socket's send buffer (2 x 256 KiB). No byte waits in the server much
// longer than the delay.
constexpr std::size_t kBatchBytes = 512 * 1024;
constexpr std::chrono::milliseconds kMaxBatchDelay{300};
// A viewer whose socket accepts nothing for this long is dropped.
constexpr std::chrono::seconds kWriteTimeout{5};

class ViewerSession {
public:
    // `finished`: called once when the session ends (gives the viewer's slot back).
    ViewerSession(std::shared_ptr<Stream> stream, std::shared_ptr<Viewer> viewer, AccessEntry entry,
                  std::shared_ptr<AccessLog> log, std::function<void()> finished);
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
    std::function<void()> finished_;  // null once finished
    std::vector<ChunkRef> batch_;
    // Kept across batches: an allocation per batch from 5000 threads made glibc's arena locks the
    // hottest lock of the server.
    std::vector<iovec> iov_;
};

// Writes `batch` to `socket` in vectored writes of up to IOV_MAX chunks, using `iov` as scratch;
// `sent` counts the bytes written. False once the socket has failed (SocketStream::write_error()
// says why).
bool write_chunks(SocketStream& socket, const std::vector<ChunkRef>& batch, std::vector<iovec>& iov, std::size_t& sent);
// The same for `length` bytes of `chunks` after the first `skip` (a slice of an HLS segment).
bool write_chunk_range(SocketStream& socket, const std::vector<ChunkRef>& chunks, std::size_t skip, std::size_t length,
                       std::vector<iovec>& iov, std::size_t& sent);
