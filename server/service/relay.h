// relay.h - Relay: the streams of one relay resource (udpxy's /udp/GROUP:PORT URLs). Each group is
// an on-demand Channel, made by its first viewer and dropped once `linger` has closed it; at most
// `maxgroups` exist at once. Any thread; the site's linger thread calls close_idle().
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/net/relay_url.h"
#include "server/pipeline/channel.h"

class Relay {
public:
    // `resource` is the relay resource; `config` gives its channels' upstream and viewer settings.
    Relay(const Resource& resource, const Config& config);
    ~Relay() { stop("server shutting down"); }
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    // A viewer of the target's group: Channel::admit() on the group's channel, made if it is new.
    // `channel` is null, with the refusal, when `maxgroups` channels have viewers or are starting.
    struct Admission {
        std::shared_ptr<Channel> channel;
        Channel::Admission viewer;
    };
    Admission admit(const RelayTarget& target, const std::string& address, const std::string& user,
                    const Channel::Query& query = {});

    // Closes the groups nobody has watched for `linger`, and forgets the closed ones.
    void close_idle(std::chrono::steady_clock::time_point now);
    // Stops every group and takes no more viewers (a reload that changed the relay, a shutdown).
    void stop(const std::string& reason);
    void disconnect_viewers(const std::string& reason) const;
    // The groups, for the statistics (each under its display path).
    std::vector<std::shared_ptr<Channel>> channels() const;

private:
    struct Group {
        std::shared_ptr<Channel> channel;
        std::size_t admitting = 0;  // admit() calls between finding the channel and its answer
    };
    // With mutex_ held: the target's group, made if there is room (making room by closing a group
    // that only lingers); null when full.
    Group* find_or_make(const RelayTarget& target, const std::string& key);
    bool close_lingering_group();
    bool is_unused(const Group& group) const;

    const ChannelSettings prototype_;  // each group's settings but its remote and path
    const std::string serve_;
    const std::size_t max_groups_;
    mutable std::mutex mutex_;
    std::map<std::string, Group> groups_;  // by relay_key
    bool stopped_ = false;
};
