// config_schema.h - restreamer's keys of server.json and what each means here, read with the key
// tables of key_table.h into a Config. Internal to common/config: callers use parse_config().
// config_schema.cpp reads the top level and the resources; config_schema_users.cpp the userlist,
// authentication and notifications; config_schema_relay.cpp a relay's own keys;
// config_schema_hls.cpp and config_schema_failover.cpp a stream's "hls" and "failover".
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/config/key_table.h"

class ConfigSchema {
public:
    explicit ConfigSchema(KeyReader& reader) : reader_(reader) {}

    // Stops through KeyReader::fail() at the first problem; run it inside KeyReader::run().
    Config read_config(const KeyReader::Value& root);

private:
    using Value = KeyReader::Value;
    // One resource's keys as written, before they are checked against each other.
    struct ResourceKeys;
    // A parsed "authentication": user_paths[i] is the key path that named policy.users[i].
    struct Authentication {
        AuthPolicy policy;
        std::vector<std::string> user_paths;
    };

    KeyReader::KeyTable top_level_keys(Config& config, bool& has_streams);
    void read_resources(const Value& list, const std::string& path, bool early_form, Config& config);
    ResourceKeys read_resource_keys(const Value& value, const std::string& path, bool early_form);
    Resource build_resource(ResourceKeys& keys, const std::string& path);
    std::vector<UpstreamUrl> read_remotes(const ResourceKeys& keys, const std::string& path) const;
    void check_static_remote(const std::string& remote, const std::string& path) const;
    void check_api_remote(const Resource& resource, const std::string& path);
    std::string read_http_url(const Value& value, const std::string& path) const;
    std::vector<Cidr> read_cidr_list(const Value& value, const std::string& path) const;
    void apply_stream_defaults(Config& config) const;

    // config_schema_relay.cpp
    KeyReader::KeyTable relay_keys(Resource& resource);
    void check_relay(const Resource& resource, const std::string& path) const;

    // config_schema_failover.cpp
    KeyReader::KeyTable failover_keys(Resource& resource);
    void check_failover(const Resource& resource, const std::string& path) const;

    // config_schema_program.cpp
    KeyReader::KeyTable program_keys(Resource& resource);
    std::vector<uint16_t> read_pid_list(const Value& value, const std::string& path) const;

    // config_schema_hls.cpp
    HlsConfig read_hls(const Value& value, const std::string& path);
    void check_hls(const Config& config) const;
    std::vector<std::string> read_cors(const Value& value, const std::string& path) const;

    // config_schema_users.cpp
    Authentication read_authentication(const Value& value, const std::string& path);
    void check_resource_users(const Authentication& auth, const std::string& path);
    std::string read_link_expression(const Value& value, const std::string& path);
    void read_link_hmac(const Value& value, const std::string& path, SecureLinkPolicy& link);
    Userlist read_userlist(const Value& value, const std::string& path, std::map<std::string, SessionLimit>& limits);
    UserCredential read_user(const Value& value, const std::string& path, SessionLimit& limit);
    std::vector<Notification> read_notifications(const Value& list, const std::string& path);
    Notification read_notification(const Value& value, const std::string& path);
    void read_notification_user(const Authentication& auth, const std::string& auth_path, Notification& notification);

    KeyReader& reader_;
    std::map<std::string, std::string> served_;  // serve path -> key path of the resource that has it
    // Each resource's own "nostats", "ondemand" and "linger", by index: the top-level defaults may
    // come after the resources.
    struct StreamOverrides {
        std::optional<bool> nostats, ondemand;
        std::optional<unsigned> linger_s;
    };
    std::vector<StreamOverrides> stream_overrides_;
    // Checks that need the whole file (the userlist and the streams may come after the keys that
    // name them); they run in the order recorded once every key has been read.
    std::vector<std::function<void(const Config&)>> deferred_;
};
