// config.cpp - server.json parsing with RapidJSON: a key table per object, exact one-line errors.
#include "common/config/config.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "common/net/unique_fd.h"
#include "common/text.h"

namespace {

using rapidjson::Value;

// Thrown only inside this file so that every check stays one line; parse_config turns it into
// ConfigResult::error. Nothing outside this file sees an exception.
struct ConfigError {
    std::string message;
};

constexpr const char* kApiNames[] = {"health", "statistics", "check", "control", "prometheus", "reload"};

std::string child_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

// "LINE:COL", 1-based; the column counts UTF-8 characters, as editors do.
std::string line_column(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

// RapidJSON says "Missing a comma or '}' after an object member."; our errors are lowercase phrases.
std::string syntax_error_phrase(rapidjson::ParseErrorCode code) {
    std::string phrase = rapidjson::GetParseError_En(code);
    if (!phrase.empty()) phrase[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(phrase[0])));
    if (!phrase.empty() && phrase.back() == '.') phrase.pop_back();
    return phrase;
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// What fits after "Bearer " as one header token.
bool is_token(std::string_view text) {
    return !text.empty() && !has_control_character(text) && text.find(' ') == std::string_view::npos;
}

class Parser {
public:
    Parser(const std::string& file_name, std::vector<std::string>& warnings)
        : file_(file_name), warnings_(warnings) {}

    Config read_config(const Value& root);

private:
    using Handler = std::function<void(const Value& value, const std::string& path)>;
    struct Key {
        const char* name;
        Handler handler;
    };

    // A parsed "authentication": user_paths[i] is the key path that named policy.users[i].
    struct Authentication {
        AuthPolicy policy;
        std::vector<std::string> user_paths;
    };

    void read_members(const Value& object, const std::string& path, const std::vector<Key>& keys);
    void read_resources(const Value& list, const std::string& path, bool early_form, Config& config);
    Resource read_resource(const Value& value, const std::string& path, bool early_form);
    void check_static_remote(const std::string& remote, const std::string& path) const;
    void check_api_remote(const Resource& resource, const std::string& path);
    Authentication read_authentication(const Value& value, const std::string& path);
    void check_resource_users(const Authentication& auth, const std::string& path);
    Userlist read_userlist(const Value& value, const std::string& path);
    std::vector<Notification> read_notifications(const Value& list, const std::string& path);
    Notification read_notification(const Value& value, const std::string& path);
    std::vector<Cidr> read_cidr_list(const Value& value, const std::string& path) const;
    std::vector<UpstreamUrl> read_remotes(const std::vector<std::pair<std::string, std::string>>& texts,
                                          const std::string& client_interface);

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw ConfigError{file_ + ": " + (path.empty() ? "" : path + ": ") + problem};
    }
    void warn(const std::string& path, const std::string& problem) {
        std::string line = file_ + ": " + path + ": " + problem;
        if (warned_.insert(line).second) warnings_.push_back(line);
    }

    unsigned read_uint(const Value& value, const std::string& path) const {
        if (!value.IsUint()) fail(path, "expected a non-negative integer");
        return value.GetUint();
    }
    bool read_bool(const Value& value, const std::string& path) const {
        if (!value.IsBool()) fail(path, "expected a boolean");
        return value.GetBool();
    }
    std::string read_string(const Value& value, const std::string& path) const {
        if (!value.IsString()) fail(path, "expected a string");
        return std::string(value.GetString(), value.GetStringLength());
    }
    void expect_object(const Value& value, const std::string& path) const {
        if (!value.IsObject()) fail(path, "expected an object");
    }
    void expect_array(const Value& value, const std::string& path) const {
        if (!value.IsArray()) fail(path, "expected an array");
    }
    std::vector<std::string> read_string_array(const Value& value, const std::string& path) const {
        if (!value.IsArray()) fail(path, "expected an array of strings");
        std::vector<std::string> out;
        for (const Value& item : value.GetArray()) {
            if (!item.IsString()) fail(index_path(path, out.size()), "expected a string");
            out.emplace_back(item.GetString(), item.GetStringLength());
        }
        return out;
    }

    const std::string& file_;
    std::vector<std::string>& warnings_;
    std::set<std::string> warned_;
    std::map<std::string, std::string> served_;  // serve path -> key path of the resource that has it
    // Checks that need the whole file (the userlist and the streams may come after the keys that
    // name them); they run in the order recorded once every key has been read.
    std::vector<std::function<void(const Config&)>> deferred_;
};

// Keys match case-insensitively because restreamer reads the file with Go's encoding/json, which
// does, so existing files may say "Listen". As there, the last of duplicate keys wins. Keys named
// "" are comments and may repeat.
void Parser::read_members(const Value& object, const std::string& path, const std::vector<Key>& keys) {
    auto find_key = [&keys](const std::string& lower_name) -> const Key* {
        for (const Key& key : keys) {
            if (lower_name == key.name) return &key;
        }
        return nullptr;
    };
    std::map<std::string, const Value*> last;  // lowercased name -> the value that counts
    for (const auto& member : object.GetObject()) {
        std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty()) continue;
        std::string lower_name = to_lower(name);
        auto [it, first] = last.emplace(lower_name, &member.value);
        if (!first && find_key(lower_name)) warn(child_path(path, name), "duplicate key, the last one is used");
        it->second = &member.value;
    }
    for (const auto& member : object.GetObject()) {
        std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty()) continue;
        std::string lower_name = to_lower(name);
        if (last[lower_name] != &member.value) continue;
        const Key* key = find_key(lower_name);
        if (key) {
            key->handler(member.value, child_path(path, name));
        } else {
            warn(child_path(path, name), "unknown key, ignored");
        }
    }
}

Config Parser::read_config(const Value& root) {
    if (!root.IsObject()) fail("top level", "expected an object");
    Config config;
    bool has_streams = false;
    auto uint_into = [this](unsigned& field) {
        return [this, &field](const Value& value, const std::string& path) { field = read_uint(value, path); };
    };
    read_members(root, "", {
        {"listen", [&](const Value& value, const std::string& path) {
             config.listen = read_string(value, path);
             if (!parse_listen_address(config.listen)) {
                 fail(path, "invalid address " + quoted(config.listen) + " (expected HOST:PORT)");
             }
         }},
        {"timeout", uint_into(config.timeout_s)},
        {"reconnect", uint_into(config.reconnect_s)},
        {"readtimeout", uint_into(config.readtimeout_s)},
        {"inputbuffer", uint_into(config.inputbuffer)},
        {"outputbuffer", uint_into(config.outputbuffer)},
        {"maxconnections", uint_into(config.maxconnections)},
        {"maxlag", uint_into(config.maxlag_s)},
        {"fullconnections", uint_into(config.fullconnections)},
        {"heartbeatinterval", uint_into(config.heartbeatinterval_s)},
        {"nostats", [&](const Value& value, const std::string& path) { config.nostats = read_bool(value, path); }},
        // restreamer's pprof switch; there is no Go profiler here, so only the type is checked.
        {"profile", [&](const Value& value, const std::string& path) { read_bool(value, path); }},
        {"log", [&](const Value& value, const std::string& path) { config.log = read_string(value, path); }},
        {"userlist", [&](const Value& value, const std::string& path) { config.userlist = read_userlist(value, path); }},
        {"notifications", [&](const Value& value, const std::string& path) {
             config.notifications = read_notifications(value, path);
         }},
        {"trustedproxies", [&](const Value& value, const std::string& path) {
             config.trusted_proxies = read_cidr_list(value, path);
         }},
        {"resources", [&](const Value& value, const std::string& path) {
             has_streams = true;
             read_resources(value, path, false, config);
         }},
        {"streams", [&](const Value& value, const std::string& path) {
             has_streams = true;
             read_resources(value, path, true, config);
         }},
    });
    if (!has_streams) fail("", "no streams configured (\"resources\" or \"streams\")");
    for (const auto& check : deferred_) check(config);
    return config;
}

void Parser::read_resources(const Value& list, const std::string& path, bool early_form, Config& config) {
    expect_array(list, path);
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        std::string item_path = index_path(path, i);
        Resource resource = read_resource(list[i], item_path, early_form);
        auto [it, fresh] = served_.emplace(resource.serve, item_path);
        if (!fresh) {
            fail(child_path(item_path, "serve"), "duplicate path " + quoted(resource.serve) + " (also " + it->second + ")");
        }
        config.resources.push_back(std::move(resource));
    }
}

// The early form ({"streams": [...]}) had no "type": every entry is a stream.
Resource Parser::read_resource(const Value& value, const std::string& path, bool early_form) {
    expect_object(value, path);
    Resource resource;
    std::optional<Resource::Type> type;
    if (early_form) type = Resource::Type::stream;
    std::optional<std::string> serve;
    std::optional<std::string> api;
    std::string remote;
    std::vector<std::string> remotes;
    std::string client_interface;
    std::vector<Cidr> allow;
    std::vector<Cidr> deny;
    auto string_into = [this](std::string& field) {
        return [this, &field](const Value& v, const std::string& p) { field = read_string(v, p); };
    };
    read_members(value, path, {
        {"type", [&](const Value& v, const std::string& p) {
             std::string name = read_string(v, p);
             if (name == "stream") type = Resource::Type::stream;
             else if (name == "static") type = Resource::Type::static_content;
             else if (name == "api") type = Resource::Type::api;
             else fail(p, "unknown type " + quoted(name) + " (expected stream, static, api)");
         }},
        {"serve", [&](const Value& v, const std::string& p) { serve = read_string(v, p); }},
        {"remote", string_into(remote)},
        {"remotes", [&](const Value& v, const std::string& p) { remotes = read_string_array(v, p); }},
        {"api", [&](const Value& v, const std::string& p) { api = read_string(v, p); }},
        {"cache", [&](const Value& v, const std::string& p) { resource.cache_s = read_uint(v, p); }},
        {"preamble", string_into(resource.preamble)},
        {"fast_start", [&](const Value& v, const std::string& p) { resource.fast_start = read_bool(v, p); }},
        // Off for encoders with self-signed certificates: the link is encrypted but not authenticated.
        {"tlsverify", [&](const Value& v, const std::string& p) { resource.tls_verify = read_bool(v, p); }},
        {"authentication", [&](const Value& v, const std::string& p) {
             Authentication auth = read_authentication(v, p);
             check_resource_users(auth, p);
             resource.auth = std::move(auth.policy);
         }},
        {"allow", [&](const Value& v, const std::string& p) { allow = read_cidr_list(v, p); }},
        {"deny", [&](const Value& v, const std::string& p) { deny = read_cidr_list(v, p); }},
        {"clientinterface", string_into(client_interface)},
        // restreamer's UDP receive size; our sockets always read a full datagram.
        {"mru", [&](const Value& v, const std::string& p) { read_uint(v, p); }},
    });

    if (!type) fail(child_path(path, "type"), "missing");
    resource.type = *type;
    if (!serve) fail(child_path(path, "serve"), "missing");
    if (serve->empty() || serve->front() != '/') fail(child_path(path, "serve"), "must start with '/'");
    resource.serve = *serve;
    resource.ip_filter = IpFilter(std::move(allow), std::move(deny));

    switch (resource.type) {
    case Resource::Type::stream: {
        // As in restreamer, an empty "remote" counts as absent.
        std::vector<std::pair<std::string, std::string>> texts;  // URL, key path
        if (!remote.empty()) texts.emplace_back(remote, child_path(path, "remote"));
        for (size_t i = 0; i < remotes.size(); ++i) texts.emplace_back(remotes[i], index_path(child_path(path, "remotes"), i));
        if (texts.empty()) fail(path, "a stream needs \"remote\" or \"remotes\"");
        resource.remotes = read_remotes(texts, client_interface);
        break;
    }
    case Resource::Type::static_content:
        if (remote.empty()) fail(path, "a static resource needs \"remote\"");
        check_static_remote(remote, child_path(path, "remote"));
        resource.remote_text = remote;
        break;
    case Resource::Type::api:
        if (!api) fail(child_path(path, "api"), "missing");
        if (std::find(std::begin(kApiNames), std::end(kApiNames), *api) == std::end(kApiNames)) {
            fail(child_path(path, "api"), "unknown api " + quoted(*api) +
                                              " (expected health, statistics, check, control, prometheus, reload)");
        }
        resource.api = *api;
        resource.remote_text = remote;
        check_api_remote(resource, path);
        break;
    }
    return resource;
}

// restreamer's "clientinterface" names the interface for multicast; an iface in the URL wins.
std::vector<UpstreamUrl> Parser::read_remotes(const std::vector<std::pair<std::string, std::string>>& texts,
                                              const std::string& client_interface) {
    std::vector<UpstreamUrl> urls;
    for (const auto& [text, path] : texts) {
        Parsed<UpstreamUrl> parsed = parse_upstream_url(text);
        if (!parsed) fail(path, parsed.error());
        if (parsed->scheme == UpstreamUrl::Scheme::udp && !client_interface.empty()) {
            parsed->query.emplace("iface", client_interface);
        }
        urls.push_back(std::move(*parsed));
    }
    return urls;
}

// A static resource serves a local file or fetches an http(s) URL; the other upstream schemes are
// streams, not documents.
void Parser::check_static_remote(const std::string& remote, const std::string& path) const {
    if (remote.front() == '/') return;
    const size_t colon = remote.find("://");
    const std::string scheme = colon == std::string::npos ? "" : to_lower(remote.substr(0, colon));
    if (scheme != "file" && scheme != "http" && scheme != "https") {
        fail(path, "expected an absolute path, file:///path or an http(s) URL");
    }
    Parsed<UpstreamUrl> parsed = parse_upstream_url(remote);
    if (!parsed) fail(path, parsed.error());
}

// check and control act on one stream of this file, named by its serve path.
void Parser::check_api_remote(const Resource& resource, const std::string& path) {
    if (resource.api != "check" && resource.api != "control") return;
    if (resource.remote_text.empty()) {
        fail(path, "a " + resource.api + " api needs \"remote\" (the serve path of a stream)");
    }
    const std::string remote_path = child_path(path, "remote");
    deferred_.push_back([this, target = resource.remote_text, remote_path](const Config& config) {
        auto serves_target = [&target](const Resource& r) { return r.type == Resource::Type::stream && r.serve == target; };
        if (std::none_of(config.resources.begin(), config.resources.end(), serves_target)) {
            fail(remote_path, "no stream is served at " + quoted(target));
        }
    });
}

// As in restreamer, "user" comes first, then "users"; repeats are dropped and an empty name is
// no name. An empty or absent type means no authentication.
Parser::Authentication Parser::read_authentication(const Value& value, const std::string& path) {
    expect_object(value, path);
    Authentication auth;
    std::string user;
    std::string user_path;
    std::vector<std::string> users;
    std::string users_path;
    read_members(value, path, {
        {"type", [&](const Value& v, const std::string& p) {
             std::string name = read_string(v, p);
             if (name.empty()) auth.policy.type = AuthPolicy::Type::none;
             else if (name == "basic") auth.policy.type = AuthPolicy::Type::basic;
             else if (name == "bearer") auth.policy.type = AuthPolicy::Type::bearer;
             else fail(p, "unknown type " + quoted(name) + " (expected basic, bearer)");
         }},
        {"realm", [&](const Value& v, const std::string& p) {
             auth.policy.realm = read_string(v, p);
             // It goes into a response header, where a line break would end the header early.
             if (has_control_character(auth.policy.realm)) fail(p, "must not contain control characters");
         }},
        {"user", [&](const Value& v, const std::string& p) {
             user = read_string(v, p);
             user_path = p;
         }},
        {"users", [&](const Value& v, const std::string& p) {
             users = read_string_array(v, p);
             users_path = p;
         }},
    });
    auto add = [&auth](const std::string& name, const std::string& key_path) {
        if (name.empty()) return;
        if (std::find(auth.policy.users.begin(), auth.policy.users.end(), name) != auth.policy.users.end()) return;
        auth.policy.users.push_back(name);
        auth.user_paths.push_back(key_path);
    };
    add(user, user_path);
    for (size_t i = 0; i < users.size(); ++i) add(users[i], index_path(users_path, i));
    return auth;
}

void Parser::check_resource_users(const Authentication& auth, const std::string& path) {
    if (auth.policy.type == AuthPolicy::Type::none) return;
    // restreamer accepts this too, and then refuses everyone: worth saying, not worth stopping for.
    if (auth.policy.users.empty()) warn(path, "no users, every request is refused");
    deferred_.push_back([this, auth](const Config& config) {
        for (size_t i = 0; i < auth.policy.users.size(); ++i) {
            const std::string& name = auth.policy.users[i];
            if (!config.userlist.count(name)) fail(auth.user_paths[i], "unknown user " + quoted(name) + " (not in userlist)");
        }
    });
}

// User names are case-sensitive, unlike the keys of the file; the last of duplicate names wins.
Userlist Parser::read_userlist(const Value& value, const std::string& path) {
    expect_object(value, path);
    Userlist userlist;
    std::map<std::string, const Value*> last;  // name -> the entry that counts
    for (const auto& member : value.GetObject()) {
        const std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty()) continue;
        auto [it, first] = last.emplace(name, &member.value);
        if (!first) warn(child_path(path, name), "duplicate key, the last one is used");
        it->second = &member.value;
    }
    for (const auto& member : value.GetObject()) {
        const std::string name(member.name.GetString(), member.name.GetStringLength());
        if (name.empty() || last[name] != &member.value) continue;
        const std::string user_path = child_path(path, name);
        if (name.find(':') != std::string::npos) fail(user_path, "a user name cannot contain ':'");
        expect_object(member.value, user_path);
        std::optional<std::string> password;
        std::optional<std::string> hash;
        std::string hash_path;
        read_members(member.value, user_path, {
            {"password", [&](const Value& v, const std::string& p) {
                 password = read_string(v, p);
                 // An empty Bearer token would pass with "Authorization: Bearer " alone.
                 if (password->empty()) fail(p, "must not be empty");
             }},
            {"hash", [&](const Value& v, const std::string& p) {
                 hash = read_string(v, p);
                 hash_path = p;
             }},
        });
        if (password && hash) fail(user_path, "has both \"password\" and \"hash\"");
        if (!password && !hash) fail(user_path, "needs \"password\" or \"hash\"");
        std::optional<UserCredential> credential;
        if (password) {
            credential = UserCredential::from_password(*password);
        } else {
            credential = UserCredential::from_hash(*hash);
            if (!credential) fail(hash_path, "invalid hash (expected \"sha256:<salt hex>:<64 hex digits>\")");
        }
        userlist.insert_or_assign(name, std::move(*credential));
    }
    return userlist;
}

std::vector<Notification> Parser::read_notifications(const Value& list, const std::string& path) {
    expect_array(list, path);
    std::vector<Notification> notifications;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        notifications.push_back(read_notification(list[i], index_path(path, i)));
    }
    return notifications;
}

Notification Parser::read_notification(const Value& value, const std::string& path) {
    expect_object(value, path);
    Notification notification;
    std::optional<std::string> event;
    std::optional<std::string> type;
    std::optional<std::string> url;
    Authentication auth;
    std::string auth_path;
    read_members(value, path, {
        {"event", [&](const Value& v, const std::string& p) { event = read_string(v, p); }},
        {"type", [&](const Value& v, const std::string& p) { type = read_string(v, p); }},
        {"url", [&](const Value& v, const std::string& p) { url = read_string(v, p); }},
        {"authentication", [&](const Value& v, const std::string& p) {
             auth = read_authentication(v, p);
             auth_path = p;
         }},
    });

    if (!event) fail(child_path(path, "event"), "missing");
    if (*event == "limit_hit") notification.event = Notification::Event::limit_hit;
    else if (*event == "limit_miss") notification.event = Notification::Event::limit_miss;
    else if (*event == "heartbeat") notification.event = Notification::Event::heartbeat;
    else fail(child_path(path, "event"), "unknown event " + quoted(*event) + " (expected limit_hit, limit_miss, heartbeat)");

    if (!type) fail(child_path(path, "type"), "missing");
    if (*type != "url") fail(child_path(path, "type"), "unknown type " + quoted(*type) + " (expected url)");

    if (!url) fail(child_path(path, "url"), "missing");
    Parsed<UpstreamUrl> parsed = parse_upstream_url(*url);
    if (!parsed) fail(child_path(path, "url"), parsed.error());
    if (parsed->scheme != UpstreamUrl::Scheme::http && parsed->scheme != UpstreamUrl::Scheme::https) {
        fail(child_path(path, "url"), "expected an http:// or https:// URL");
    }
    notification.url = *url;

    notification.auth_type = auth.policy.type;
    if (auth.policy.type != AuthPolicy::Type::none) {
        if (auth.policy.users.empty()) fail(child_path(auth_path, "user"), "missing");
        // restreamer sends as the first user and ignores the rest.
        if (auth.policy.users.size() > 1) warn(child_path(auth_path, "users"), "only the first user is used");
        notification.user = auth.policy.users.front();
        const bool bearer = auth.policy.type == AuthPolicy::Type::bearer;
        const std::string user_path = auth.user_paths.front();
        deferred_.push_back([this, bearer, name = notification.user, user_path](const Config& config) {
            auto it = config.userlist.find(name);
            if (it == config.userlist.end()) fail(user_path, "unknown user " + quoted(name) + " (not in userlist)");
            if (!it->second.has_plain_password()) {
                fail(user_path, "user " + quoted(name) + " has only a password hash; notifications need the password");
            }
            if (bearer && !is_token(it->second.password())) {
                fail(user_path, "the password of " + quoted(name) +
                                    " has blanks or control characters; it cannot be a Bearer token");
            }
        });
    }
    return notification;
}

std::vector<Cidr> Parser::read_cidr_list(const Value& value, const std::string& path) const {
    std::vector<Cidr> networks;
    const std::vector<std::string> texts = read_string_array(value, path);
    for (size_t i = 0; i < texts.size(); ++i) {
        Parsed<Cidr> parsed = parse_cidr(texts[i]);
        if (!parsed) fail(index_path(path, i), parsed.error());
        networks.push_back(std::move(*parsed));
    }
    return networks;
}

}  // namespace

bool operator==(const Resource& a, const Resource& b) {
    return a.type == b.type && a.serve == b.serve && a.remotes == b.remotes && a.api == b.api &&
           a.remote_text == b.remote_text && a.cache_s == b.cache_s && a.preamble == b.preamble &&
           a.fast_start == b.fast_start && a.tls_verify == b.tls_verify && a.auth == b.auth &&
           a.ip_filter == b.ip_filter;
}

bool operator==(const Notification& a, const Notification& b) {
    return a.event == b.event && a.url == b.url && a.auth_type == b.auth_type && a.user == b.user;
}

const char* to_string(Notification::Event event) {
    switch (event) {
    case Notification::Event::limit_hit: return "limit_hit";
    case Notification::Event::limit_miss: return "limit_miss";
    case Notification::Event::heartbeat: return "heartbeat";
    }
    return "heartbeat";
}

std::vector<const Resource*> Config::streams() const {
    std::vector<const Resource*> out;
    for (const Resource& resource : resources) {
        if (resource.type == Resource::Type::stream) out.push_back(&resource);
    }
    return out;
}

ConfigResult parse_config(std::string_view json_text, const std::string& file_name) {
    ConfigResult result;
    rapidjson::Document document;
    const char* data = json_text.empty() ? "" : json_text.data();  // RapidJSON asserts on a null pointer
    document.Parse<rapidjson::kParseValidateEncodingFlag>(data, json_text.size());
    if (document.HasParseError()) {
        result.error = file_name + ":" + line_column(json_text, document.GetErrorOffset()) +
                       ": syntax error: " + syntax_error_phrase(document.GetParseError());
        return result;
    }
    try {
        result.config = Parser(file_name, result.warnings).read_config(document);
    } catch (const ConfigError& error) {
        // Warnings stay: an "unknown key" for a misspelt "remote" explains the error that follows.
        result.error = one_line(error.message);
    }
    // Keys and values are quoted into the messages as written: "a\nb" must not make two lines.
    for (std::string& warning : result.warnings) warning = one_line(warning);
    return result;
}

ConfigResult load_config_file(const std::string& path) {
    auto cannot_read = [&path](int error) {
        ConfigResult result;
        result.error = path + ": cannot read: " + std::strerror(error);
        return result;
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return cannot_read(errno);
    std::string text;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return cannot_read(errno);
        if (n == 0) break;
        text.append(buffer, static_cast<size_t>(n));
    }
    return parse_config(text, path);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    Parsed<HostPort> split = split_host_port(text);
    if (!split) return std::nullopt;
    ListenAddress address;
    address.host = split->host;
    if (split->port == "http") {
        address.port = 80;
    } else if (split->port == "https") {
        address.port = 443;
    } else if (split->port == "0") {
        address.port = 0;  // any free port; the server logs the one it got (tests rely on this)
    } else if (auto port = parse_port_number(split->port)) {
        address.port = *port;
    } else {
        return std::nullopt;
    }
    return address;
}
