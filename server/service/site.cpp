// site.cpp - building a Site from a Config, and handing streams over from the previous one.
#include "server/service/site.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/log.h"
#include "common/periodic_thread.h"
#include "server/service/notifier.h"
#include "server/service/relay.h"
#include "server/http/hls_responder.h"
#include "server/http/static_content.h"

using namespace std::chrono;

namespace {
// How often idle on-demand streams are looked for: `linger` is kept to within this.
constexpr milliseconds kLingerCheckInterval{250};

// The preamble file is read once per build; every viewer shares the same chunk.
ChunkRef load_preamble(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    auto chunk = std::make_shared<PacketChunk>();
    chunk->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return chunk;
}

// Whether channels made from `old_config` run as `config` would make them: upstream and viewer settings.
bool same_channel_settings(const Config& old_config, const Config& config) {
    return old_config.timeout_s == config.timeout_s && old_config.reconnect_s == config.reconnect_s &&
           old_config.readtimeout_s == config.readtimeout_s && old_config.inputbuffer == config.inputbuffer &&
           old_config.outputbuffer == config.outputbuffer && old_config.maxlag_s == config.maxlag_s;
}

// Whether a running stream of `old_config` can serve `resource` of `config` as it is: only what
// reaches its Channel counts (access rules are checked per request and may change freely).
bool same_stream(const Resource& old_resource, const Config& old_config, const Resource& resource, const Config& config) {
    return old_resource.remotes == resource.remotes && old_resource.preamble == resource.preamble &&
           old_resource.fast_start == resource.fast_start && old_resource.prebuffer_ms == resource.prebuffer_ms &&
           old_resource.tls_verify == resource.tls_verify &&
           old_resource.ondemand == resource.ondemand && old_resource.linger_s == resource.linger_s &&
           old_resource.failover == resource.failover && old_resource.hls.has_value() == resource.hls.has_value() &&
           (!resource.hls || old_resource.hls->same_output(*resource.hls)) && same_channel_settings(old_config, config);
}

// Likewise for a relay and the groups it runs (which take its prebuffer).
bool same_relay(const Resource& old_resource, const Config& old_config, const Resource& resource, const Config& config) {
    return old_resource.relay == resource.relay && old_resource.maxgroups == resource.maxgroups &&
           old_resource.linger_s == resource.linger_s && old_resource.prebuffer_ms == resource.prebuffer_ms &&
           same_channel_settings(old_config, config);
}

// Each stream's failovers and failbacks as last told to the notifier.
using SwitchWatch = std::vector<std::tuple<std::string, std::shared_ptr<Channel>, std::pair<uint64_t, uint64_t>>>;

void notify_switches(Notifier& notifier, const std::string& path, const Channel& channel, std::pair<uint64_t, uint64_t>& seen) {
    const std::pair<uint64_t, uint64_t> now = channel.upstream_switches();
    for (; seen.first < now.first; ++seen.first) notifier.stream_switched(Notifier::Event::failover, path);
    for (; seen.second < now.second; ++seen.second) notifier.stream_switched(Notifier::Event::failback, path);
}

milliseconds request_timeout(const Config& config) { return config.timeout_s ? seconds(config.timeout_s) : seconds(10); }
}  // namespace

std::shared_ptr<Site> Site::build(std::shared_ptr<const Config> config, const Site* previous, std::string& error) {
    std::shared_ptr<Site> site(new Site(std::move(config)));
    const Config& cfg = *site->config_;
    if (!site->build_streams(previous, error)) return nullptr;
    site->build_relays(previous);
    site->build_routes();

    if (!cfg.log.empty()) {
        site->access_log_ = AccessLog::open(cfg.log, error, previous ? previous->access_log_.get() : nullptr);
        if (!site->access_log_) return nullptr;
    }
    std::vector<NotificationTarget> targets;
    for (const auto& n : cfg.notifications) {
        NotificationTarget target;
        target.event = n.event;
        target.url = n.url;
        if (n.auth_type != AuthPolicy::Type::none) target.authorization = authorization_for(n.auth_type, n.user, cfg.userlist);
        targets.push_back(std::move(target));
    }
    if (!targets.empty())
        site->notifier_ = std::make_unique<Notifier>(std::move(targets), seconds(cfg.heartbeatinterval_s),
                                                     cfg.fullconnections, request_timeout(cfg));
    return site;
}

bool Site::build_streams(const Site* previous, std::string& error) {
    const Config& cfg = *config_;
    for (const Resource* resource : cfg.streams()) {
        const Route* old = previous ? previous->find(resource->serve) : nullptr;
        if (old && old->resource->type == Resource::Type::stream &&
            same_stream(*old->resource, previous->config(), *resource, cfg)) {
            streams_.emplace(resource->serve, old->channel);
            continue;
        }
        ChannelSettings settings = ChannelSettings::from_config(*resource, cfg);
        if (!resource->preamble.empty()) {
            settings.stream.preamble = load_preamble(resource->preamble, error);
            if (!settings.stream.preamble) {
                error = resource->serve + ": preamble: " + error;
                return false;
            }
        }
        auto channel = std::make_shared<Channel>(std::move(settings));
        created_.push_back(channel);
        streams_.emplace(resource->serve, std::move(channel));
    }
    return true;
}

void Site::build_relays(const Site* previous) {
    const Config& cfg = *config_;
    for (const Resource& resource : cfg.resources) {
        if (resource.type != Resource::Type::relay) continue;
        auto old = previous ? previous->relays_.find(resource.serve) : relays_.end();
        if (previous && old != previous->relays_.end() &&
            same_relay(*previous->routes_.at(resource.serve).resource, previous->config(), resource, cfg)) {
            relays_.emplace(resource.serve, old->second);  // its groups and their viewers stay
        } else {
            relays_.emplace(resource.serve, std::make_shared<Relay>(resource, cfg));
        }
    }
}

void Site::build_routes() {
    const Config& cfg = *config_;
    for (const Resource& resource : cfg.resources) {
        Route route;
        route.resource = &resource;
        switch (resource.type) {
        case Resource::Type::stream:
            route.channel = streams_.at(resource.serve);
            if (resource.hls) {
                Route hls = route;
                hls.hls = route.channel->hls();
                hls_routes_.emplace(resource.hls->serve, std::move(hls));
            }
            break;
        case Resource::Type::static_content:
            route.static_content = std::make_shared<StaticContent>(resource.serve, resource.remote_text,
                                                                   seconds(resource.cache_s), request_timeout(cfg));
            break;
        case Resource::Type::api:
            if (resource.api == "check" || resource.api == "control") {
                auto target = streams_.find(resource.remote_text);
                if (target != streams_.end()) route.channel = target->second;
            }
            break;
        case Resource::Type::relay:
            route.relay = relays_.at(resource.serve);
            break;
        }
        routes_.emplace(resource.serve, std::move(route));
    }
}

Site::Site(std::shared_ptr<const Config> config) : config_(std::move(config)) {}

Site::~Site() = default;

void Site::start() {
    for (const auto& channel : created_) channel->start();
    if (notifier_) notifier_->start();
    std::vector<std::shared_ptr<Channel>> on_demand;
    for (const auto& [path, channel] : streams_)
        if (channel->is_on_demand()) on_demand.push_back(channel);
    std::vector<std::shared_ptr<Relay>> relays;
    for (const auto& [path, relay] : relays_) relays.push_back(relay);
    std::vector<Route> hls;
    for (const auto& [prefix, route] : hls_routes_) hls.push_back(route);
    SwitchWatch switches;
    if (notifier_ && notifier_->wants_switches())
        for (const auto& [path, channel] : streams_) switches.emplace_back(path, channel, channel->upstream_switches());
    if (on_demand.empty() && relays.empty() && hls.empty() && switches.empty()) return;
    // Shared streams and relays too: the previous site's thread stops when it retires. It also
    // ends HLS sessions on time when no request comes to sweep them, and tells the notifier of
    // the streams' failovers and failbacks (the reader threads know no site).
    linger_ = std::make_unique<PeriodicThread>(kLingerCheckInterval, [on_demand, relays, hls, switches, notifier = notifier_.get(),
                                                                      log = access_log_]() mutable {
        const auto now = steady_clock::now();
        for (const auto& channel : on_demand) channel->stop_if_idle(now);
        for (const auto& relay : relays) relay->close_idle(now);
        for (const Route& route : hls)
            log_hls_sessions(route.hls->sessions().sweep(now), route.resource->serve, route.resource->hls->serve, log.get());
        for (auto& [path, channel, seen] : switches) notify_switches(*notifier, path, *channel, seen);
    });
}

void Site::retire(const Site* next, const std::string& reason) {
    linger_.reset();
    for (const auto& [path, channel] : streams_) {
        if (next) {
            auto kept = next->streams_.find(path);
            if (kept != next->streams_.end() && kept->second == channel) continue;
        }
        channel->disconnect_viewers(reason);
        channel->stop();
    }
    for (const auto& [path, relay] : relays_) {
        if (next) {
            auto kept = next->relays_.find(path);
            if (kept != next->relays_.end() && kept->second == relay) continue;
        }
        relay->stop(reason);
    }
    if (notifier_) notifier_->stop();
}

void Site::disconnect_viewers(const std::string& reason) const {
    for (const auto& [path, channel] : streams_) channel->disconnect_viewers(reason);
    for (const auto& [path, relay] : relays_) relay->disconnect_viewers(reason);
}

const Route* Site::find(const std::string& path) const {
    auto it = routes_.find(path);
    if (it != routes_.end()) return &it->second;
    // HLS names (index.m3u8, N.ts) sit directly under their prefix.
    if (!hls_routes_.empty()) {
        auto hls = hls_routes_.find(path.substr(0, path.rfind('/') + 1));
        if (hls != hls_routes_.end()) return &hls->second;
    }
    // Not a path of its own: the relay with the longest prefix of it, if any (a handful at most).
    const Route* relay = nullptr;
    for (const auto& [prefix, ignored] : relays_) {
        if (path.compare(0, prefix.size(), prefix) != 0) continue;
        const Route& route = routes_.at(prefix);
        if (!relay || prefix.size() > relay->resource->serve.size()) relay = &route;
    }
    return relay;
}

std::size_t Site::hls_sessions(steady_clock::time_point now) const {
    std::size_t sessions = 0;
    for (const auto& [prefix, route] : hls_routes_) sessions += route.hls->sessions().active(now);
    return sessions;
}

std::vector<std::pair<std::string, StreamStats>> Site::stream_stats() const {
    std::vector<std::pair<std::string, StreamStats>> stats;
    for (const auto& channel : stats_channels()) {
        for (auto& row : channel->output_stats()) stats.push_back(std::move(row));
    }
    return stats;
}

std::vector<std::shared_ptr<Channel>> Site::stats_channels() const {
    std::vector<std::shared_ptr<Channel>> channels;
    for (const auto& [path, channel] : streams_) {
        // "nostats": the stream is left out of statistics, prometheus, health's viewer count and the status.
        if (!find(path)->resource->nostats) channels.push_back(channel);
    }
    for (const auto& [path, relay] : relays_) {
        std::vector<std::shared_ptr<Channel>> groups = relay->channels();
        channels.insert(channels.end(), groups.begin(), groups.end());
    }
    return channels;
}
