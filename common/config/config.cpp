// config.cpp - parse_config() and load_config_file(): JSON syntax, then the schema; the few
// operations on a Config.
#include "common/config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/config/config_schema.h"
#include "common/config/key_table.h"
#include "common/net/unique_fd.h"

bool operator==(const Resource& a, const Resource& b) {
    return a.type == b.type && a.serve == b.serve && a.remotes == b.remotes && a.api == b.api &&
           a.remote_text == b.remote_text && a.cache_s == b.cache_s && a.preamble == b.preamble &&
           a.fast_start == b.fast_start && a.prebuffer_ms == b.prebuffer_ms && a.pid_timeout_ms == b.pid_timeout_ms &&
           a.tls_verify == b.tls_verify &&
           a.nostats == b.nostats && a.ondemand == b.ondemand && a.linger_s == b.linger_s &&
           a.auth == b.auth && a.ip_filter == b.ip_filter && a.name == b.name && a.tvg_id == b.tvg_id &&
           a.logo == b.logo && a.group == b.group && a.relay == b.relay &&
           a.maxgroups == b.maxgroups && a.hls == b.hls && a.failover == b.failover && a.selection == b.selection;
}

bool operator==(const Notification& a, const Notification& b) {
    return a.event == b.event && a.url == b.url && a.auth_type == b.auth_type && a.user == b.user;
}

const char* to_string(Notification::Event event) {
    switch (event) {
    case Notification::Event::limit_hit: return "limit_hit";
    case Notification::Event::limit_miss: return "limit_miss";
    case Notification::Event::heartbeat: return "heartbeat";
    case Notification::Event::failover: return "failover";
    case Notification::Event::failback: return "failback";
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

Parsed<Config> parse_config(std::string_view json_text, const std::string& file_name, std::vector<std::string>& warnings) {
    Parsed<rapidjson::Document> document = parse_json(json_text, file_name);
    if (!document) return ParseError{document.error()};
    KeyReader reader(file_name, warnings);
    return reader.run<Config>([&reader, &document] { return ConfigSchema(reader).read_config(*document); });
}

Parsed<Config> load_config_file(const std::string& path, std::vector<std::string>& warnings) {
    auto cannot_read = [&path](int error) { return ParseError{path + ": cannot read: " + std::strerror(error)}; };
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
    return parse_config(text, path, warnings);
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
