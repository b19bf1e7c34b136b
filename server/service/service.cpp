// service.cpp - start, reload and stop order.
#include "server/service/service.h"

#include "common/log.h"

Service::StartResult Service::start(std::shared_ptr<const Config> config, std::string& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    site_ = Site::build(std::move(config), nullptr, error);
    if (!site_) return StartResult::bad_config;
    frontend_ = std::make_unique<HttpFrontend>(site_->config().listen, [this](std::string& e) { return reload(e); });
    frontend_->set_site(site_);
    site_->start();
    return frontend_->start(error) ? StartResult::ok : StartResult::cannot_listen;
}

bool Service::reload(std::string& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!site_ || stopping_) {
        error = "server not running";
        return false;
    }
    std::vector<std::string> warnings;
    Parsed<Config> loaded = load_config_file(config_path_, warnings);
    for (const auto& warning : warnings) LogLine(LogLevel::warn, "config_warning").kv("reason", warning);
    if (!loaded) {
        error = loaded.error();
        LogLine(LogLevel::error, "reload_failed").kv("config", config_path_).kv("reason", error);
        return false;
    }
    auto config = std::make_shared<const Config>(std::move(*loaded));
    if (config->listen != frontend_->listen())
        LogLine(LogLevel::warn, "reload_listen_unchanged").kv("listen", frontend_->listen()).kv("reason", "a new listen address needs a restart");
    std::shared_ptr<Site> next = Site::build(config, site_.get(), error);
    if (!next) {
        LogLine(LogLevel::error, "reload_failed").kv("config", config_path_).kv("reason", error);
        return false;
    }
    // New streams connect before the switch; removed ones stop after it, so no request meets a
    // stopped stream that the current site still routes to.
    next->start();
    frontend_->set_site(next);
    site_->retire(next.get(), "stream removed or changed by reload");
    LogLine(LogLevel::info, "reloaded")
        .kv("config", config_path_)
        .kv("streams_started", next->created_streams())
        .kv("streams_kept", next->shared_streams());
    site_ = std::move(next);
    return true;
}

bool Service::drain() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!site_ || stopping_) return false;
    return frontend_->drain(std::chrono::seconds(site_->config().draindeadline_s));
}

std::string Service::status() const {
    const std::shared_ptr<const Site> site = frontend_->site();
    const std::size_t viewers = frontend_->viewers() + site->hls_sessions(std::chrono::steady_clock::now());
    const std::size_t streams = site->config().streams().size();
    return std::to_string(viewers) + (viewers == 1 ? " viewer, " : " viewers, ") + std::to_string(streams) +
           (streams == 1 ? " stream" : " streams");
}

void Service::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    // Without the lock: a reload API request may be waiting for it on a connection thread that
    // the frontend joins here. site_ and frontend_ no longer change once stopping_ is set.
    if (frontend_) frontend_->stop();
    if (site_) site_->retire(nullptr, "server shutting down");
}
