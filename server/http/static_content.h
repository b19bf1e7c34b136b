// static_content.h - restreamer's "static" resource: one local file or one http(s) URL served at one
// path, with a strong ETag and a cache. get() runs on many HTTP threads at once. Only one of them
// loads at a time; the others wait and use what it loaded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/net/url.h"
#include "server/http/http_reply.h"

class StaticContent {
public:
    using Clock = std::chrono::steady_clock;

    // Larger files and remote bodies are refused; the whole body is held in memory.
    static constexpr std::size_t kMaxBodyBytes = std::size_t{64} << 20;
    // Used when the configured timeout is 0, so that a silent remote cannot hold requests forever.
    static constexpr std::chrono::seconds kDefaultTimeout{10};

    // remote: "file:///abs/path", "/abs/path", "http://..." or "https://..." (user:pass@ becomes Basic
    // credentials; redirects are followed). cache: how long a loaded copy is served; 0 = load again
    // for every request. A local file is also reloaded as soon as it changes. timeout: connect and
    // whole-fetch limit of a remote; 0 = kDefaultTimeout. A bad `remote` is logged here and every
    // request then gets 500 (check_remote() lets the caller refuse it at start-up instead).
    StaticContent(std::string serve_path, std::string remote, std::chrono::seconds cache,
                  std::chrono::milliseconds timeout);
    ~StaticContent();
    StaticContent(const StaticContent&) = delete;
    StaticContent& operator=(const StaticContent&) = delete;

    // Empty when `remote` is one of the forms above, else a short phrase for a config error.
    static std::string check_remote(std::string_view remote);

    // GET, or HEAD (the same status and headers, empty body). Any thread. Blocks while this or another
    // request loads the content, at most about the timeout. request.path is never used to pick a file.
    HttpReply get(const HttpRequestInfo& request);

    const std::string& serve_path() const { return serve_path_; }

private:
    struct Snapshot;

    std::shared_ptr<const Snapshot> current();
    bool is_fresh(const Snapshot& snapshot, Clock::time_point now) const;
    Snapshot load() const;
    Snapshot read_file() const;
    Snapshot fetch_remote() const;
    HttpReply reply_for(const Snapshot& snapshot, const HttpRequestInfo& request) const;

    const std::string serve_path_;
    const std::string remote_text_;  // as configured; for logs
    const std::chrono::seconds cache_;
    const std::chrono::milliseconds timeout_;
    std::string file_path_;          // set for a local file
    std::optional<UpstreamUrl> url_;  // set for http(s)
    std::string invalid_reason_;     // set when `remote` is neither

    std::mutex mutex_;
    std::condition_variable loaded_;
    std::shared_ptr<const Snapshot> internal_error_;  // made up front: the answer when a load throws
    std::shared_ptr<const Snapshot> snapshot_;  // the outcome of the last load, success or failure
    bool loading_ = false;
    uint64_t loads_ = 0;  // completed loads; a waiter takes the outcome of the load it waited for
};
