// config_schema.cpp - the top-level keys and the resources of server.json: restreamer's keys, the
// few of our own (maxlag, fast_start, prebuffer, tlsverify, allow, deny, trustedproxies) and the
// checks between them.
#include "common/config/config_schema.h"

#include <algorithm>

#include "common/text.h"

namespace {

constexpr const char* kApiNames[] = {"health", "statistics", "check", "control", "prometheus", "reload", "streams", "status", "playlist", "drain"};

// guide and publicurl end up in a playlist that players fetch: only a plain http(s) URL, with a host
// and without spaces, quotes or control characters that would break the M3U line.
bool is_plain_http_url(const std::string& text) {
    const std::string lower = to_lower(text);
    const size_t start = lower.rfind("http://", 0) == 0 ? 7 : lower.rfind("https://", 0) == 0 ? 8 : 0;
    if (start == 0 || start == text.size() || text[start] == '/') return false;
    return std::none_of(text.begin(), text.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"'; });
}

// Ours: seconds, whole or not, stored in milliseconds. Past 30 s it is a mistake, not a setting:
// every viewer would start that far behind live and hold that much of the stream in its queue.
unsigned read_prebuffer(const KeyReader& reader, const KeyReader::Value& value, const std::string& path) {
    constexpr double kMaxPrebufferSeconds = 30;
    const double seconds = reader.read_number(value, path);
    if (seconds < 0 || seconds > kMaxPrebufferSeconds) reader.fail(path, "expected seconds from 0 to 30");
    return static_cast<unsigned>(seconds * 1000 + 0.5);
}

// Ours: seconds (TR 101 290's PID_error), stored in milliseconds; under 0.1 s every PID of a
// normal programme would count, past an hour nothing would.
unsigned read_pid_timeout(const KeyReader& reader, const KeyReader::Value& value, const std::string& path) {
    const double seconds = reader.read_number(value, path);
    if (seconds < 0.1 || seconds > 3600) reader.fail(path, "expected seconds from 0.1 to 3600");
    return static_cast<unsigned>(seconds * 1000 + 0.5);
}

// restreamer applies "clientinterface" to multicast groups only; on a unicast udp remote an
// interface would make the bind fail. A group named by a host name needs ?iface= in its URL.
bool is_multicast_literal(const std::string& host) {
    const std::optional<IpAddress> address = parse_ip_address(host);
    return address && is_multicast(*address);
}

}  // namespace

struct ConfigSchema::ResourceKeys {
    Resource resource;  // the keys that go in as read: cache, preamble, fast_start, tlsverify, authentication
    std::optional<Resource::Type> type;
    std::optional<std::string> serve;
    std::optional<std::string> api;
    std::string remote;
    std::vector<std::string> remotes;
    std::string client_interface;
    std::vector<Cidr> allow;
    std::vector<Cidr> deny;
    StreamOverrides overrides;
};

Config ConfigSchema::read_config(const Value& root) {
    if (!root.IsObject()) reader_.fail("top level", "expected an object");
    Config config;
    bool has_streams = false;
    reader_.read_members(root, "", top_level_keys(config, has_streams));
    if (!has_streams) reader_.fail("", "no streams configured (\"resources\" or \"streams\")");
    apply_stream_defaults(config);
    for (const auto& check : deferred_) check(config);
    check_hls(config);
    return config;
}

KeyReader::KeyTable ConfigSchema::top_level_keys(Config& config, bool& has_streams) {
    return {
        {"listen", [this, &config](const Value& value, const std::string& path) {
             config.listen = reader_.read_string(value, path);
             if (!parse_listen_address(config.listen)) {
                 reader_.fail(path, "invalid address " + quoted(config.listen) + " (expected HOST:PORT)");
             }
         }},
        {"timeout", reader_.into(config.timeout_s)},
        {"reconnect", reader_.into(config.reconnect_s)},
        {"readtimeout", reader_.into(config.readtimeout_s)},
        // No "0 = none" here: a head that may take forever is the slow-header attack.
        {"requesttimeout", [this, &config](const Value& value, const std::string& path) {
             config.requesttimeout_s = reader_.read_uint(value, path);
             if (config.requesttimeout_s == 0) reader_.fail(path, "must be at least 1 (seconds)");
         }},
        {"inputbuffer", reader_.into(config.inputbuffer)},
        {"outputbuffer", reader_.into(config.outputbuffer)},
        {"maxconnections", reader_.into(config.maxconnections)},
        {"maxlag", reader_.into(config.maxlag_s)},
        {"fullconnections", reader_.into(config.fullconnections)},
        {"heartbeatinterval", reader_.into(config.heartbeatinterval_s)},
        // restreamer's switch that turns statistics off. Here it is also the default of every
        // stream's own "nostats": such a stream is left out of the statistics and metrics.
        {"nostats", reader_.into(config.nostats)},
        // Ours: the defaults of every stream's "ondemand" and "linger".
        {"ondemand", reader_.into(config.ondemand)},
        {"linger", reader_.into(config.linger_s)},
        // Ours: how long a drain (SIGUSR1, or the drain API without ?deadline) lets viewers stay.
        {"draindeadline", [this, &config](const Value& value, const std::string& path) {
             config.draindeadline_s = reader_.read_uint(value, path);
             if (config.draindeadline_s > 86400) reader_.fail(path, "must be at most 86400 (seconds)");
         }},
        // restreamer's switch for Go's profiler (pprof) and Go runtime metrics, which have no
        // counterpart here. Its documented example file says false, so only true is worth a word.
        {"profile", [this](const Value& value, const std::string& path) {
             if (reader_.read_bool(value, path)) reader_.warn(path, "not supported (Go's profiler in restreamer), ignored");
         }},
        {"log", reader_.into(config.log)},
        {"userlist", [this, &config](const Value& value, const std::string& path) {
             config.userlist = read_userlist(value, path, config.session_limits);
         }},
        {"notifications", [this, &config](const Value& value, const std::string& path) {
             config.notifications = read_notifications(value, path);
         }},
        {"trustedproxies", [this, &config](const Value& value, const std::string& path) {
             config.trusted_proxies = read_cidr_list(value, path);
         }},
        {"guide", [this, &config](const Value& value, const std::string& path) {
             config.guide = read_http_url(value, path);
         }},
        {"publicurl", [this, &config](const Value& value, const std::string& path) {
             config.publicurl = read_http_url(value, path);
         }},
        {"resources", [this, &config, &has_streams](const Value& value, const std::string& path) {
             has_streams = true;
             read_resources(value, path, false, config);
         }},
        {"streams", [this, &config, &has_streams](const Value& value, const std::string& path) {
             has_streams = true;
             read_resources(value, path, true, config);
         }},
    };
}

void ConfigSchema::read_resources(const Value& list, const std::string& path, bool early_form, Config& config) {
    reader_.expect_array(list, path);
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        const std::string item_path = index_path(path, i);
        ResourceKeys keys = read_resource_keys(list[i], item_path, early_form);
        Resource resource = build_resource(keys, item_path);
        auto [it, fresh] = served_.emplace(resource.serve, item_path);
        if (!fresh) {
            reader_.fail(child_path(item_path, "serve"),
                         "duplicate path " + quoted(resource.serve) + " (also " + it->second + ")");
        }
        if (resource.hls) {
            auto [hls_it, hls_fresh] = served_.emplace(resource.hls->serve, child_path(item_path, "hls"));
            if (!hls_fresh)
                reader_.fail(child_path(child_path(item_path, "hls"), "serve"),
                             "duplicate path " + quoted(resource.hls->serve) + " (also " + hls_it->second + ")");
        }
        stream_overrides_.push_back(keys.overrides);
        config.resources.push_back(std::move(resource));
    }
}

// The early form ({"streams": [...]}) had no "type": every entry is a stream.
ConfigSchema::ResourceKeys ConfigSchema::read_resource_keys(const Value& value, const std::string& path,
                                                            bool early_form) {
    ResourceKeys keys;
    if (early_form) keys.type = Resource::Type::stream;
    Resource& resource = keys.resource;
    KeyReader::KeyTable table = {
        {"type", [&](const Value& v, const std::string& p) {
             std::string name = reader_.read_string(v, p);
             if (name == "stream") keys.type = Resource::Type::stream;
             else if (name == "static") keys.type = Resource::Type::static_content;
             else if (name == "api") keys.type = Resource::Type::api;
             else if (name == "relay") keys.type = Resource::Type::relay;
             else reader_.fail(p, "unknown type " + quoted(name) + " (expected stream, static, api, relay)");
         }},
        {"serve", reader_.into(keys.serve)},
        {"remote", reader_.into(keys.remote)},
        {"remotes", reader_.into(keys.remotes)},
        {"api", reader_.into(keys.api)},
        {"cache", reader_.into(resource.cache_s)},
        {"preamble", reader_.into(resource.preamble)},
        {"fast_start", reader_.into(resource.fast_start)},
        {"prebuffer", [&](const Value& v, const std::string& p) { resource.prebuffer_ms = read_prebuffer(reader_, v, p); }},
        {"pid_timeout", [&](const Value& v, const std::string& p) { resource.pid_timeout_ms = read_pid_timeout(reader_, v, p); }},
        // Off for encoders with self-signed certificates: the link is encrypted but not authenticated.
        {"tlsverify", reader_.into(resource.tls_verify)},
        // Ours: overrides the top-level "nostats" for this stream.
        {"nostats", reader_.into(keys.overrides.nostats)},
        // Ours: connect only while someone watches, and stay connected `linger` seconds after.
        {"ondemand", reader_.into(keys.overrides.ondemand)},
        {"linger", [&](const Value& v, const std::string& p) { keys.overrides.linger_s = reader_.read_uint(v, p); }},
        {"authentication", [&](const Value& v, const std::string& p) {
             Authentication auth = read_authentication(v, p);
             check_resource_users(auth, p);
             resource.auth = std::move(auth.policy);
         }},
        {"allow", [&](const Value& v, const std::string& p) { keys.allow = read_cidr_list(v, p); }},
        {"deny", [&](const Value& v, const std::string& p) { keys.deny = read_cidr_list(v, p); }},
        // restreamer's interface for joining multicast groups: honoured, see read_remotes.
        {"clientinterface", reader_.into(keys.client_interface)},
        // restreamer's datagram size for udp, where a longer datagram was cut. Ours are read
        // whole whatever their size, so every value is met: the type is checked, nothing stored.
        // Ours: how the playlist api lists a stream.
        {"name", reader_.into(resource.name)},
        {"tvgid", reader_.into(resource.tvg_id)},
        {"logo", reader_.into(resource.logo)},
        {"group", reader_.into(resource.group)},
        {"mru", [&](const Value& v, const std::string& p) { reader_.read_uint(v, p); }},
        // Ours: an HLS output of the stream (playlist and segments under its own prefix).
        {"hls", [&](const Value& v, const std::string& p) { resource.hls = read_hls(v, p); }},
    };
    for (KeyReader::Key& key : relay_keys(resource)) table.push_back(std::move(key));
    for (KeyReader::Key& key : failover_keys(resource)) table.push_back(std::move(key));
    for (KeyReader::Key& key : program_keys(resource)) table.push_back(std::move(key));
    reader_.read_members(value, path, table);
    return keys;
}

Resource ConfigSchema::build_resource(ResourceKeys& keys, const std::string& path) {
    Resource resource = std::move(keys.resource);
    if (!keys.type) reader_.fail(child_path(path, "type"), "missing");
    resource.type = *keys.type;
    if (!keys.serve) reader_.fail(child_path(path, "serve"), "missing");
    if (keys.serve->empty() || keys.serve->front() != '/') reader_.fail(child_path(path, "serve"), "must start with '/'");
    resource.serve = *keys.serve;
    resource.ip_filter = IpFilter(std::move(keys.allow), std::move(keys.deny));

    if (resource.hls && resource.type != Resource::Type::stream) reader_.fail(child_path(path, "hls"), "only a stream has an HLS output");
    if (!resource.selection.passes_everything() && resource.type != Resource::Type::stream && resource.type != Resource::Type::relay)
        reader_.fail(path, "only a stream or a relay selects programs and streams (program, strip, audio, pids)");
    switch (resource.type) {
    case Resource::Type::stream:
        resource.remotes = read_remotes(keys, path);
        check_failover(resource, path);
        break;
    case Resource::Type::static_content:
        if (keys.remote.empty()) reader_.fail(path, "a static resource needs \"remote\"");
        check_static_remote(keys.remote, child_path(path, "remote"));
        resource.remote_text = keys.remote;
        break;
    case Resource::Type::api:
        if (!keys.api) reader_.fail(child_path(path, "api"), "missing");
        if (std::find(std::begin(kApiNames), std::end(kApiNames), *keys.api) == std::end(kApiNames)) {
            reader_.fail(child_path(path, "api"), "unknown api " + quoted(*keys.api) +
                                                      " (expected health, statistics, check, control, prometheus, reload, drain, streams, status, playlist)");
        }
        resource.api = *keys.api;
        resource.remote_text = keys.remote;
        check_api_remote(resource, path);
        break;
    case Resource::Type::relay:
        check_relay(resource, path);
        break;
    }
    return resource;
}

// `remote` comes first, then `remotes`; as in restreamer, an empty "remote" counts as absent.
// "clientinterface" sets the interface of multicast groups whose URL does not name one.
std::vector<UpstreamUrl> ConfigSchema::read_remotes(const ResourceKeys& keys, const std::string& path) const {
    std::vector<std::pair<std::string, std::string>> texts;  // URL, key path
    if (!keys.remote.empty()) texts.emplace_back(keys.remote, child_path(path, "remote"));
    for (size_t i = 0; i < keys.remotes.size(); ++i) {
        texts.emplace_back(keys.remotes[i], index_path(child_path(path, "remotes"), i));
    }
    if (texts.empty()) reader_.fail(path, "a stream needs \"remote\" or \"remotes\"");
    std::vector<UpstreamUrl> urls;
    for (const auto& [text, text_path] : texts) {
        Parsed<UpstreamUrl> url = parse_upstream_url(text);
        if (!url) reader_.fail(text_path, url.error());
        if (url->scheme == UpstreamUrl::Scheme::udp && !keys.client_interface.empty() && is_multicast_literal(url->host)) {
            url->query.emplace("iface", keys.client_interface);
        }
        urls.push_back(std::move(*url));
    }
    return urls;
}

// A static resource serves a local file or fetches an http(s) URL; the other upstream schemes are
// streams, not documents.
void ConfigSchema::check_static_remote(const std::string& remote, const std::string& path) const {
    if (remote.front() == '/') return;
    const size_t colon = remote.find("://");
    const std::string scheme = colon == std::string::npos ? "" : to_lower(remote.substr(0, colon));
    if (scheme != "file" && scheme != "http" && scheme != "https") {
        reader_.fail(path, "expected an absolute path, file:///path or an http(s) URL");
    }
    Parsed<UpstreamUrl> url = parse_upstream_url(remote);
    if (!url) reader_.fail(path, url.error());
}

// check and control act on one stream of this file, named by its serve path.
void ConfigSchema::check_api_remote(const Resource& resource, const std::string& path) {
    if (resource.api != "check" && resource.api != "control") return;
    if (resource.remote_text.empty()) {
        reader_.fail(path, "a " + resource.api + " api needs \"remote\" (the serve path of a stream)");
    }
    const std::string remote_path = child_path(path, "remote");
    deferred_.push_back([this, target = resource.remote_text, remote_path](const Config& config) {
        auto serves_target = [&target](const Resource& r) { return r.type == Resource::Type::stream && r.serve == target; };
        if (std::none_of(config.resources.begin(), config.resources.end(), serves_target)) {
            reader_.fail(remote_path, "no stream is served at " + quoted(target));
        }
    });
}

std::string ConfigSchema::read_http_url(const Value& value, const std::string& path) const {
    std::string url = reader_.read_string(value, path);
    if (!is_plain_http_url(url)) reader_.fail(path, "expected an http:// or https:// URL without spaces or quotes");
    return url;
}

std::vector<Cidr> ConfigSchema::read_cidr_list(const Value& value, const std::string& path) const {
    std::vector<Cidr> networks;
    const std::vector<std::string> texts = reader_.read_string_array(value, path);
    for (size_t i = 0; i < texts.size(); ++i) {
        Parsed<Cidr> network = parse_cidr(texts[i]);
        if (!network) reader_.fail(index_path(path, i), network.error());
        networks.push_back(std::move(*network));
    }
    return networks;
}

// The top-level defaults may come after the resources, so they are applied once all are read. A
// relay's groups are on-demand streams made at run time: they linger as streams do.
void ConfigSchema::apply_stream_defaults(Config& config) const {
    for (size_t i = 0; i < config.resources.size(); ++i) {
        Resource& resource = config.resources[i];
        const StreamOverrides& own = stream_overrides_[i];
        if (resource.type == Resource::Type::relay) resource.linger_s = own.linger_s.value_or(config.linger_s);
        if (resource.type != Resource::Type::stream) continue;
        resource.nostats = own.nostats.value_or(config.nostats);
        resource.ondemand = own.ondemand.value_or(config.ondemand);
        resource.linger_s = own.linger_s.value_or(config.linger_s);
    }
}
