// config_schema_users.cpp - the keys of server.json that name users: "userlist", each resource's
// "authentication", and "notifications" (which are sent as a user).
#include "common/config/config_schema.h"

#include <algorithm>

#include "common/text.h"

namespace {

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// What fits after "Bearer " as one header token.
bool is_token(std::string_view text) {
    return !text.empty() && !has_control_character(text) && text.find(' ') == std::string_view::npos;
}

}  // namespace

// As in restreamer, "user" comes first, then "users"; repeats are dropped and an empty name is
// no name. An empty or absent type means no authentication.
ConfigSchema::Authentication ConfigSchema::read_authentication(const Value& value, const std::string& path) {
    Authentication auth;
    std::string user;
    std::string user_path;
    std::vector<std::string> users;
    std::string users_path;
    std::string link_path;  // where the link's hash was given; `path` when it was given twice
    reader_.read_members(value, path, {
        {"type", [&](const Value& v, const std::string& p) {
             std::string name = reader_.read_string(v, p);
             if (name.empty()) auth.policy.type = AuthPolicy::Type::none;
             else if (name == "basic") auth.policy.type = AuthPolicy::Type::basic;
             else if (name == "bearer") auth.policy.type = AuthPolicy::Type::bearer;
             else if (name == "securelink") auth.policy.type = AuthPolicy::Type::securelink;
             else reader_.fail(p, "unknown type " + quoted(name) + " (expected basic, bearer, securelink)");
         }},
        {"secure_link_md5", [&](const Value& v, const std::string& p) {
             auth.policy.securelink.expression = read_link_expression(v, p);
             link_path = p;
         }},
        {"secure_link_hmac", [&](const Value& v, const std::string& p) {
             read_link_hmac(v, p, auth.policy.securelink);
             link_path = link_path.empty() ? p : path;
         }},
        {"lifetime", [&](const Value& v, const std::string& p) {
             auth.policy.securelink.lifetime_s = reader_.read_uint(v, p);
             if (auth.policy.securelink.lifetime_s == 0) reader_.fail(p, "must be at least 1");
         }},
        {"realm", [&](const Value& v, const std::string& p) {
             auth.policy.realm = reader_.read_string(v, p);
             // It goes into a response header, where a line break would end the header early.
             if (has_control_character(auth.policy.realm)) reader_.fail(p, "must not contain control characters");
         }},
        {"user", [&](const Value& v, const std::string& p) {
             user = reader_.read_string(v, p);
             user_path = p;
         }},
        {"users", [&](const Value& v, const std::string& p) {
             users = reader_.read_string_array(v, p);
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
    const bool securelink = auth.policy.type == AuthPolicy::Type::securelink;
    if (securelink && link_path.empty()) reader_.fail(path, "securelink needs \"secure_link_md5\" or \"secure_link_hmac\"");
    if (link_path == path) reader_.fail(path, "has both \"secure_link_md5\" and \"secure_link_hmac\"");
    if (!securelink && !link_path.empty()) reader_.fail(link_path, "only with \"type\": \"securelink\"");
    return auth;
}

// nginx's secure_link_md5 expression (the secret is written in it), checked for unknown variables.
std::string ConfigSchema::read_link_expression(const Value& value, const std::string& path) {
    std::string expression = reader_.read_string(value, path);
    if (expression.empty()) reader_.fail(path, "must not be empty");
    const std::string error = secure_link_expression_error(expression);
    if (!error.empty()) reader_.fail(path, error + " (known: $secure_link_expires, $uri, $remote_addr, $args, $arg_NAME)");
    return expression;
}

void ConfigSchema::read_link_hmac(const Value& value, const std::string& path, SecureLinkPolicy& link) {
    std::optional<std::string> secret;
    std::optional<std::string> message;
    reader_.read_members(value, path, {
        {"secret", reader_.into(secret)},
        {"message", [&](const Value& v, const std::string& p) { message = read_link_expression(v, p); }},
    });
    if (!secret || secret->empty()) reader_.fail(child_path(path, "secret"), secret ? "must not be empty" : "missing");
    if (!message) reader_.fail(child_path(path, "message"), "missing");
    link.kind = SecureLinkPolicy::Kind::hmac;
    link.secret = *secret;
    link.expression = *message;
}

void ConfigSchema::check_resource_users(const Authentication& auth, const std::string& path) {
    if (auth.policy.type == AuthPolicy::Type::none || auth.policy.type == AuthPolicy::Type::securelink) return;
    // restreamer accepts this too, and then refuses everyone: worth saying, not worth stopping for.
    if (auth.policy.users.empty()) reader_.warn(path, "no users, every request is refused");
    deferred_.push_back([this, auth](const Config& config) {
        for (size_t i = 0; i < auth.policy.users.size(); ++i) {
            const std::string& name = auth.policy.users[i];
            if (!config.userlist.count(name)) {
                reader_.fail(auth.user_paths[i], "unknown user " + quoted(name) + " (not in userlist)");
            }
        }
    });
}

// User names are case-sensitive, unlike the keys of the file; the last of duplicate names wins.
Userlist ConfigSchema::read_userlist(const Value& value, const std::string& path, std::map<std::string, SessionLimit>& limits) {
    Userlist userlist;
    limits.clear();
    reader_.read_entries(value, path, [&](const std::string& name, const Value& entry, const std::string& user_path) {
        if (name.find(':') != std::string::npos) reader_.fail(user_path, "a user name cannot contain ':'");
        SessionLimit limit;
        userlist.insert_or_assign(name, read_user(entry, user_path, limit));
        if (limit.max) limits.insert_or_assign(name, limit);
        else limits.erase(name);
    });
    return userlist;
}

UserCredential ConfigSchema::read_user(const Value& value, const std::string& path, SessionLimit& limit) {
    std::optional<std::string> password;
    std::optional<std::string> hash;
    std::string hash_path;
    std::string evict_path;
    reader_.read_members(value, path, {
        {"maxsessions", [&](const Value& v, const std::string& p) {
             if (v.IsInt64() && v.GetInt64() < 1) reader_.fail(p, "must be at least 1");
             limit.max = reader_.read_uint(v, p);
         }},
        {"evict", [&](const Value& v, const std::string& p) {
             const std::string evict = reader_.read_string(v, p);
             if (evict != "oldest") reader_.fail(p, "unknown value " + quoted(evict) + " (expected \"oldest\")");
             limit.evict_oldest = true;
             evict_path = p;
         }},
        {"password", [&](const Value& v, const std::string& p) {
             password = reader_.read_string(v, p);
             // An empty Bearer token would pass with "Authorization: Bearer " alone.
             if (password->empty()) reader_.fail(p, "must not be empty");
         }},
        {"hash", [&](const Value& v, const std::string& p) {
             hash = reader_.read_string(v, p);
             hash_path = p;
         }},
    });
    if (!evict_path.empty() && limit.max == 0) reader_.fail(evict_path, "needs \"maxsessions\"");
    if (password && hash) reader_.fail(path, "has both \"password\" and \"hash\"");
    if (!password && !hash) reader_.fail(path, "needs \"password\" or \"hash\"");
    if (password) return UserCredential::from_password(*password);
    std::optional<UserCredential> credential = UserCredential::from_hash(*hash);
    if (!credential) reader_.fail(hash_path, "invalid hash (expected \"sha256:<salt hex>:<64 hex digits>\")");
    return std::move(*credential);
}

std::vector<Notification> ConfigSchema::read_notifications(const Value& list, const std::string& path) {
    reader_.expect_array(list, path);
    std::vector<Notification> notifications;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        notifications.push_back(read_notification(list[i], index_path(path, i)));
    }
    return notifications;
}

Notification ConfigSchema::read_notification(const Value& value, const std::string& path) {
    Notification notification;
    std::optional<std::string> event;
    std::optional<std::string> type;
    std::optional<std::string> url;
    Authentication auth;
    std::string auth_path;
    reader_.read_members(value, path, {
        {"event", reader_.into(event)},
        {"type", reader_.into(type)},
        {"url", reader_.into(url)},
        {"authentication", [&](const Value& v, const std::string& p) {
             auth = read_authentication(v, p);
             auth_path = p;
         }},
    });

    const std::string event_path = child_path(path, "event");
    if (!event) reader_.fail(event_path, "missing");
    if (*event == "limit_hit") notification.event = Notification::Event::limit_hit;
    else if (*event == "limit_miss") notification.event = Notification::Event::limit_miss;
    else if (*event == "heartbeat") notification.event = Notification::Event::heartbeat;
    else if (*event == "failover") notification.event = Notification::Event::failover;
    else if (*event == "failback") notification.event = Notification::Event::failback;
    else reader_.fail(event_path, "unknown event " + quoted(*event) + " (expected limit_hit, limit_miss, heartbeat, failover, failback)");

    if (!type) reader_.fail(child_path(path, "type"), "missing");
    if (*type != "url") reader_.fail(child_path(path, "type"), "unknown type " + quoted(*type) + " (expected url)");

    const std::string url_path = child_path(path, "url");
    if (!url) reader_.fail(url_path, "missing");
    Parsed<UpstreamUrl> parsed = parse_upstream_url(*url);
    if (!parsed) reader_.fail(url_path, parsed.error());
    if (parsed->scheme != UpstreamUrl::Scheme::http && parsed->scheme != UpstreamUrl::Scheme::https) {
        reader_.fail(url_path, "expected an http:// or https:// URL");
    }
    notification.url = *url;
    read_notification_user(auth, auth_path, notification);
    return notification;
}

// restreamer sends as the first user and ignores the rest; the user must be one whose password we
// can send.
void ConfigSchema::read_notification_user(const Authentication& auth, const std::string& auth_path,
                                          Notification& notification) {
    notification.auth_type = auth.policy.type;
    if (auth.policy.type == AuthPolicy::Type::none) return;
    if (auth.policy.type == AuthPolicy::Type::securelink) reader_.fail(child_path(auth_path, "type"), "a notification sends basic or bearer");
    if (auth.policy.users.empty()) reader_.fail(child_path(auth_path, "user"), "missing");
    if (auth.policy.users.size() > 1) reader_.warn(child_path(auth_path, "users"), "only the first user is used");
    notification.user = auth.policy.users.front();
    const bool bearer = auth.policy.type == AuthPolicy::Type::bearer;
    deferred_.push_back([this, bearer, name = notification.user, user_path = auth.user_paths.front()](const Config& config) {
        auto it = config.userlist.find(name);
        if (it == config.userlist.end()) reader_.fail(user_path, "unknown user " + quoted(name) + " (not in userlist)");
        if (!it->second.has_plain_password()) {
            reader_.fail(user_path, "user " + quoted(name) + " has only a password hash; notifications need the password");
        }
        if (bearer && !is_token(it->second.password())) {
            reader_.fail(user_path, "the password of " + quoted(name) +
                                        " has blanks or control characters; it cannot be a Bearer token");
        }
    });
}
