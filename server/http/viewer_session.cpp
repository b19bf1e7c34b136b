// viewer_session.cpp - batches to the socket, the write-timeout rule, and the one end of a viewer.
#include "server/http/viewer_session.h"

#include <utility>

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "common/log.h"
#include "server/http/socket_stream.h"

using namespace std::chrono;

ViewerSession::ViewerSession(std::shared_ptr<Stream> stream, std::shared_ptr<Viewer> viewer, AccessEntry entry,
                             std::shared_ptr<AccessLog> log, std::function<void()> finished)
    : stream_(std::move(stream)),
      viewer_(std::move(viewer)),
      entry_(std::move(entry)),
      log_(std::move(log)),
      finished_(std::move(finished)) {
    LogLine(LogLevel::info, "client_connected").kv("stream", stream_->path()).kv("client", viewer_->address());
}

ViewerSession::~ViewerSession() { finish("client closed connection"); }

bool ViewerSession::provide(httplib::DataSink&) {
    switch (viewer_->next_batch(batch_, kBatchBytes, kMaxBatchDelay)) {
    // false, not sink.done(): the body ends with the connection (Connection: close).
    case PacketQueue::PopResult::closed: return false;
    case PacketQueue::PopResult::timeout: return true;
    case PacketQueue::PopResult::data: break;
    }
    // The socket of this connection's thread, not the sink: the sink takes one buffer per write.
    SocketStream* socket = SocketStream::of_this_thread();
    if (!socket) return false;  // only HttpServer runs viewers' responses
    std::size_t sent = 0;
    const bool ok = write_chunks(*socket, batch_, iov_, sent);
    if (!ok && socket->write_error() == EAGAIN)
        viewer_->disconnect("send timed out: socket not drained for " + std::to_string(kWriteTimeout.count()) + " s");
    viewer_->count_sent(sent);
    batch_.clear();
    return ok;
}

void ViewerSession::finish(const std::string& reason) {
    if (!finished_) return;
    stream_->detach(viewer_, reason);
    std::exchange(finished_, nullptr)();
    const std::string end_reason = viewer_->end_reason();
    LogLine(LogLevel::info, "client_disconnected")
        .kv("stream", stream_->path())
        .kv("client", viewer_->address())
        .kv("duration_s", duration_cast<milliseconds>(viewer_->connected_for()).count() / 1000.0)
        .kv("bytes", viewer_->bytes_sent())
        .kv("dropped_packets", viewer_->packets_dropped())
        .kv("reason", end_reason);
    if (!log_) return;
    entry_.duration_s = duration_cast<microseconds>(system_clock::now() - entry_.start).count() / 1e6;
    entry_.bytes = viewer_->bytes_sent();
    entry_.dropped_packets = viewer_->packets_dropped();
    entry_.reason = end_reason;
    log_->write(entry_);
}

bool write_chunks(SocketStream& socket, const std::vector<ChunkRef>& batch, std::vector<iovec>& iov, std::size_t& sent) {
    return write_chunk_range(socket, batch, 0, SIZE_MAX, iov, sent);
}

bool write_chunk_range(SocketStream& socket, const std::vector<ChunkRef>& chunks, std::size_t skip, std::size_t length,
                       std::vector<iovec>& iov, std::size_t& sent) {
    for (std::size_t next = 0; next < chunks.size() && length > 0;) {
        iov.clear();
        std::size_t bytes = 0;
        for (; next < chunks.size() && iov.size() < IOV_MAX && length > 0; ++next) {
            const std::vector<uint8_t>& data = chunks[next]->bytes;
            if (skip >= data.size()) {
                skip -= data.size();
                continue;
            }
            const std::size_t take = std::min(data.size() - skip, length);
            iov.push_back(iovec{const_cast<uint8_t*>(data.data() + skip), take});  // sendmsg only reads it
            bytes += take;
            length -= take;
            skip = 0;
        }
        if (!iov.empty() && !socket.write_vectored(iov.data(), iov.size())) return false;
        sent += bytes;
    }
    return true;
}
