// config.cpp - server.json parsing with RapidJSON: a key table per object, exact one-line errors.
#include "config.h"

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

#include "unique_fd.h"
#include "text.h"

namespace {

using rapidjson::Value;

// Thrown only inside this file so that every check stays one line; parse_config turns it into
// ConfigResult::error. Nothing outside this file sees an exception.
struct ConfigError {
    std::string message;
};

constexpr const char* kApiNames[] = {"health", "statistics", "check", "control", "prometheus"};

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

    void read_members(const Value& object, const std::string& path, const std::vector<Key>& keys);
    void read_resources(const Value& list, const std::string& path, bool early_form, Config& config);
    Resource read_resource(const Value& value, const std::string& path, bool early_form);
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
        {"userlist", [&](const Value& value, const std::string& path) { expect_object(value, path); }},
        {"notifications", [&](const Value& value, const std::string& path) { expect_array(value, path); }},
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
        // Checked for shape only until the HTTP front end enforces authentication.
        {"authentication", [&](const Value& v, const std::string& p) { expect_object(v, p); }},
        {"clientinterface", string_into(client_interface)},
        // restreamer's UDP receive size; our sockets always read a full datagram.
        {"mru", [&](const Value& v, const std::string& p) { read_uint(v, p); }},
    });

    if (!type) fail(child_path(path, "type"), "missing");
    resource.type = *type;
    if (!serve) fail(child_path(path, "serve"), "missing");
    if (serve->empty() || serve->front() != '/') fail(child_path(path, "serve"), "must start with '/'");
    resource.serve = *serve;

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
        resource.remote_text = remote;
        break;
    case Resource::Type::api:
        if (!api) fail(child_path(path, "api"), "missing");
        if (std::find(std::begin(kApiNames), std::end(kApiNames), *api) == std::end(kApiNames)) {
            fail(child_path(path, "api"), "unknown api " + quoted(*api) +
                                              " (expected health, statistics, check, control, prometheus)");
        }
        resource.api = *api;
        resource.remote_text = remote;
        break;
    }
    return resource;
}

// restreamer's "clientinterface" names the interface for multicast; an iface in the URL wins.
std::vector<UpstreamUrl> Parser::read_remotes(const std::vector<std::pair<std::string, std::string>>& texts,
                                              const std::string& client_interface) {
    std::vector<UpstreamUrl> urls;
    for (const auto& [text, path] : texts) {
        UrlParseResult parsed = parse_upstream_url(text);
        if (!parsed.url) fail(path, parsed.error);
        if (parsed.url->scheme == UpstreamUrl::Scheme::udp && !client_interface.empty()) {
            parsed.url->query.emplace("iface", client_interface);
        }
        urls.push_back(std::move(*parsed.url));
    }
    return urls;
}

}  // namespace

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
        result.error = error.message;
    }
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
    HostPort split = split_host_port(text);
    if (!split.error.empty()) return std::nullopt;
    ListenAddress address;
    address.host = split.host;
    if (split.port == "http") {
        address.port = 80;
    } else if (split.port == "https") {
        address.port = 443;
    } else if (split.port == "0") {
        address.port = 0;  // any free port; the server logs the one it got (tests rely on this)
    } else if (auto port = parse_port_number(split.port)) {
        address.port = *port;
    } else {
        return std::nullopt;
    }
    return address;
}
