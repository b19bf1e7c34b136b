// viewer_session.cpp - batches to the socket, the write-timeout rule, and the one end of a viewer.
#include "server/http/viewer_session.h"

#include <httplib.h>

#include <cstring>
#include <optional>

#include "common/log.h"

using namespace std::chrono;

ViewerSession::ViewerSession(std::shared_ptr<Stream> stream, std::shared_ptr<Viewer> viewer, AccessEntry entry,
                             std::shared_ptr<AccessLog> log, BufferPool& pool, std::function<void()> finished)
    : stream_(std::move(stream)),
      viewer_(std::move(viewer)),
      entry_(std::move(entry)),
      log_(std::move(log)),
      pool_(pool),
      finished_(std::move(finished)) {
    LogLine(LogLevel::info, "client_connected").kv("stream", stream_->path()).kv("client", viewer_->address());
}

ViewerSession::~ViewerSession() { finish("client closed connection"); }

bool ViewerSession::provide(httplib::DataSink& sink) {
    switch (viewer_->next_batch(batch_, kBatchBytes, kMaxBatchDelay)) {
    // false, not sink.done(): the body ends with the connection (Connection: close).
    case PacketQueue::PopResult::closed: return false;
    case PacketQueue::PopResult::timeout: return true;
    case PacketQueue::PopResult::data: break;
    }
    // httplib fails a write when the socket stays full for the write timeout; a peer that has gone
    // fails it at once (and is logged as having closed the connection).
    auto write = [&](const uint8_t* data, std::size_t len) {
        const auto started = steady_clock::now();
        if (sink.write(reinterpret_cast<const char*>(data), len)) return true;
        if (steady_clock::now() - started >= kWriteTimeout - milliseconds(50))
            viewer_->disconnect("send timed out: socket not drained for " + std::to_string(kWriteTimeout.count()) + " s");
        return false;
    };
    std::size_t sent = 0;
    const bool ok = write_batch(batch_, pool_, write, sent);
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

bool write_batch(const std::vector<ChunkRef>& batch, BufferPool& pool,
                 const std::function<bool(const uint8_t*, std::size_t)>& write, std::size_t& sent) {
    std::optional<BufferPool::Lease> gathered;
    std::size_t used = 0;
    auto flush = [&] {
        if (used == 0) return true;
        if (!write(gathered->data(), used)) return false;
        sent += used;
        used = 0;
        return true;
    };
    for (const ChunkRef& chunk : batch) {
        const std::vector<uint8_t>& bytes = chunk->bytes;
        if (bytes.size() >= kGatherBelow || bytes.size() > pool.buffer_size()) {
            if (!flush() || !write(bytes.data(), bytes.size())) return false;
            sent += bytes.size();
            continue;
        }
        if (!gathered) gathered.emplace(pool.take());
        if (used + bytes.size() > gathered->size() && !flush()) return false;
        std::memcpy(gathered->data() + used, bytes.data(), bytes.size());
        used += bytes.size();
    }
    return flush();
}
