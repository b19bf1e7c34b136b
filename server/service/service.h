// service.h - the running server: its configuration file, the current Site and the HTTP frontend.
// Starts, reloads (SIGHUP or the reload API) and stops them in the right order.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "server/http/http_frontend.h"
#include "server/service/site.h"

class Service {
public:
    explicit Service(std::string config_path) : config_path_(std::move(config_path)) {}
    ~Service() { stop(); }

    enum class StartResult { ok, bad_config, cannot_listen };
    // Starts the streams of `config` and listens; otherwise a one-line `error` says why.
    StartResult start(std::shared_ptr<const Config> config, std::string& error);
    // Re-reads the config file. New streams start, removed and changed ones stop, unchanged ones
    // keep their viewers. On any error the running configuration stays and `error` says why.
    // Any thread; reloads are serialised.
    bool reload(std::string& error);
    // Starts a graceful drain with the configuration's `draindeadline` (SIGUSR1); false when one
    // was started before or the server is stopping.
    bool drain();
    // Stops accepting, ends every viewer's response, joins everything. Idempotent.
    void stop();

    const std::string& address() const { return frontend_->address(); }
    // "3 viewers, 5 streams" (viewers include live HLS sessions), for systemd's STATUS=. Any thread,
    // after a successful start().
    std::string status() const;

private:
    const std::string config_path_;
    std::mutex mutex_;       // one start, reload or stop at a time
    bool stopping_ = false;  // guarded by mutex_; reloads after stop() fail
    std::shared_ptr<Site> site_;
    std::unique_ptr<HttpFrontend> frontend_;
};
