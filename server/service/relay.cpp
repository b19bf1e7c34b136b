// relay.cpp - one on-demand channel per group: made by a viewer, counted against maxgroups, dropped
// once it has closed; a group that only lingers gives its place to a new one when the relay is full.
#include "server/service/relay.h"

#include "common/log.h"

using namespace std::chrono;

namespace {
ChannelSettings prototype_settings(const Resource& relay, const Config& config) {
    Resource group = relay;
    group.type = Resource::Type::stream;
    group.ondemand = true;  // a relay joins a group only while someone watches it
    return ChannelSettings::from_config(group, config);
}
}  // namespace

Relay::Relay(const Resource& resource, const Config& config)
    : prototype_(prototype_settings(resource, config)), serve_(resource.serve), max_groups_(resource.maxgroups) {}

Relay::Admission Relay::admit(const RelayTarget& target, const std::string& address, const std::string& user,
                              const Channel::Query& query) {
    const std::string key = relay_key(target);
    std::shared_ptr<Channel> channel;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_) return {nullptr, Channel::refuse("relay stopped")};
        Group* group = find_or_make(target, key);
        if (!group) return {nullptr, Channel::refuse("too many groups joined (maxgroups " + std::to_string(max_groups_) + ")")};
        ++group->admitting;  // close_idle() leaves it alone until the viewer is attached or refused
        channel = group->channel;
    }
    Channel::Admission viewer = channel->admit(address, user, query);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = groups_.find(key);
    if (it != groups_.end() && it->second.channel == channel) --it->second.admitting;
    return {std::move(channel), std::move(viewer)};
}

Relay::Group* Relay::find_or_make(const RelayTarget& target, const std::string& key) {
    auto it = groups_.find(key);
    if (it != groups_.end()) return &it->second;
    if (groups_.size() >= max_groups_ && !close_lingering_group()) return nullptr;
    Parsed<UpstreamUrl> url = relay_upstream(target);
    if (!url) return nullptr;  // parse_relay_request gives only targets that parse
    ChannelSettings settings = prototype_;
    settings.upstream.remotes = {*url};
    settings.upstream.path = settings.stream.path = relay_display_path(serve_, target);
    Group group;
    group.channel = std::make_shared<Channel>(std::move(settings));
    return &groups_.emplace(key, std::move(group)).first->second;
}

bool Relay::is_unused(const Group& group) const {
    return group.admitting == 0 && group.channel->idle_since().has_value();
}

bool Relay::close_lingering_group() {
    for (auto it = groups_.begin(); it != groups_.end(); ++it) {
        if (!is_unused(it->second)) continue;
        LogLine(LogLevel::info, "relay_group_closed")
            .kv("stream", it->second.channel->path())
            .kv("reason", "maxgroups " + std::to_string(max_groups_) + " reached: a lingering group makes room");
        it->second.channel->stop();
        groups_.erase(it);
        return true;
    }
    return false;
}

void Relay::close_idle(steady_clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = groups_.begin(); it != groups_.end();) {
        Group& group = it->second;
        if (is_unused(group)) group.channel->stop_if_idle(now);
        // Closed and unwatched: nothing is kept for it but its place in maxgroups.
        if (is_unused(group) && !group.channel->is_running()) {
            it = groups_.erase(it);
        } else {
            ++it;
        }
    }
}

void Relay::stop(const std::string& reason) {
    std::map<std::string, Group> groups;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        groups.swap(groups_);
    }
    for (auto& [key, group] : groups) {
        group.channel->disconnect_viewers(reason);
        group.channel->stop();
    }
}

void Relay::disconnect_viewers(const std::string& reason) const {
    for (const auto& channel : channels()) channel->disconnect_viewers(reason);
}

std::vector<std::shared_ptr<Channel>> Relay::channels() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::shared_ptr<Channel>> channels;
    for (const auto& [key, group] : groups_) channels.push_back(group.channel);
    return channels;
}
