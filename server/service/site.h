// site.h - everything one configuration serves: streams, static files and API endpoints by path,
// the access log and the notifications. A reload builds a new Site that shares the streams whose
// settings did not change, so that their viewers stay connected.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/http/access_log.h"
#include "common/config/config.h"
#include "server/pipeline/channel.h"

class StaticContent;
class Notifier;
class PeriodicThread;
class Relay;

struct Route {
    const Resource* resource = nullptr;  // points into the site's config
    std::shared_ptr<Channel> channel;    // a stream resource, or the stream a check/control API names
    std::shared_ptr<StaticContent> static_content;
    std::shared_ptr<Relay> relay;  // a relay resource
    std::shared_ptr<HlsOutput> hls;  // a stream's HLS prefix (resource->hls->serve); `channel` is the stream's
};

class Site {
public:
    // Builds what `config` serves. Streams that `previous` runs with the same settings are shared;
    // the others are created but not started. nullptr with a one-line `error` (preamble or access
    // log unreadable).
    static std::shared_ptr<Site> build(std::shared_ptr<const Config> config, const Site* previous, std::string& error);
    ~Site();
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    // Starts the streams this site created (not the shared ones, nor on-demand ones), its notifier,
    // and the thread that closes on-demand streams nobody watches.
    void start();
    // Stops the streams that `next` does not share (all of them when `next` is null), disconnecting
    // their viewers with `reason`, and this site's notifier.
    void retire(const Site* next, const std::string& reason);

    // Ends every viewer's response (at shutdown, before the connection threads are joined).
    void disconnect_viewers(const std::string& reason) const;

    const Config& config() const { return *config_; }
    // The resource at `path`, else the HLS prefix it is directly under, else the relay whose prefix
    // is the longest part of it; null when none.
    const Route* find(const std::string& path) const;
    std::vector<std::pair<std::string, StreamStats>> stream_stats() const;
    // Live HLS sessions over all streams (they count against maxconnections).
    std::size_t hls_sessions(std::chrono::steady_clock::time_point now) const;
    // The streams the statistics show ("nostats" ones left out), in path order.
    std::vector<std::shared_ptr<Channel>> stats_channels() const;
    const std::shared_ptr<AccessLog>& access_log() const { return access_log_; }  // null when `log` is unset
    Notifier* notifier() const { return notifier_.get(); }  // null without notifications
    // Counts for the reload log line.
    std::size_t created_streams() const { return created_.size(); }
    std::size_t shared_streams() const { return streams_.size() - created_.size(); }

private:
    explicit Site(std::shared_ptr<const Config> config);
    // Parts of build(): the channels (shared with `previous` where unchanged), the relays, the routes.
    bool build_streams(const Site* previous, std::string& error);
    void build_relays(const Site* previous);
    void build_routes();

    std::shared_ptr<const Config> config_;
    std::map<std::string, std::shared_ptr<Channel>> streams_;  // by serve path
    std::vector<std::shared_ptr<Channel>> created_;            // not shared with the previous site
    std::map<std::string, std::shared_ptr<Relay>> relays_;     // by serve prefix
    std::map<std::string, Route> routes_;
    std::map<std::string, Route> hls_routes_;  // by HLS prefix
    std::shared_ptr<AccessLog> access_log_;
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<PeriodicThread> linger_;  // while on-demand streams exist; stopped by retire()
};
