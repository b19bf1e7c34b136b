// playlist.cpp - the M3U text of the playlist api and the URLs in it.
#include "server/http/playlist.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace {

// Control characters would start a new line (or hide in one); a quote would end the attribute.
std::string clean(std::string_view value, bool in_attribute) {
    std::string out;
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) out += ' ';
        else if (c == '"' && in_attribute) out += '\'';
        else out += c;
    }
    return out;
}

void append_attribute(std::string& line, const char* key, const std::string& value) {
    if (value.empty()) return;
    line += ' ';
    line += key;
    line += "=\"" + clean(value, true) + '"';
}

bool is_url_byte(unsigned char c) {
    return std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
}

// The first element of a list-valued field ("https, http" -> "https"), trimmed.
std::string first_value(const std::string& field) {
    std::string value = field.substr(0, field.find(','));
    const auto space = [](char c) { return c == ' ' || c == '\t'; };
    value.erase(value.begin(), std::find_if_not(value.begin(), value.end(), space));
    value.erase(std::find_if_not(value.rbegin(), value.rend(), space).base(), value.end());
    return value;
}

bool valid_port(std::string_view digits) {
    return !digits.empty() && digits.size() <= 5 &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string m3u_text(const std::string& guide, const std::vector<PlaylistEntry>& entries) {
    std::string text = "#EXTM3U";
    append_attribute(text, "x-tvg-url", guide);
    text += '\n';
    for (const PlaylistEntry& entry : entries) {
        text += "#EXTINF:-1";
        append_attribute(text, "tvg-id", entry.tvg_id);
        append_attribute(text, "tvg-name", entry.name);
        append_attribute(text, "tvg-logo", entry.logo);
        append_attribute(text, "group-title", entry.group);
        text += ',' + clean(entry.name, false) + '\n';
        text += clean(entry.url, false) + '\n';
    }
    return text;
}

std::string playlist_name(const Resource& stream) {
    if (!stream.name.empty()) return stream.name;
    std::string name = stream.serve.substr(1);
    const size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot != 0 && name.find('/', dot) == std::string::npos) name.erase(dot);
    return name;
}

std::string join_url(std::string_view base, std::string_view path) {
    std::string url(base);
    while (!url.empty() && url.back() == '/') url.pop_back();
    for (char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (is_url_byte(byte)) {
            url += c;
        } else {
            static const char kHex[] = "0123456789ABCDEF";
            url += '%';
            url += kHex[byte >> 4];
            url += kHex[byte & 15];
        }
    }
    return url;
}

bool valid_host(std::string_view host) {
    std::string_view name = host;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const size_t close = host.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        name = host.substr(1, close - 1);
        if (!std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }))
            return false;
        const std::string_view rest = host.substr(close + 1);
        if (rest.empty()) return true;
        return rest.front() == ':' && valid_port(rest.substr(1));
    }
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
        name = host.substr(0, colon);
        port = host.substr(colon + 1);
        if (!valid_port(port)) return false;
    }
    return !name.empty() && name.size() <= 253 &&
           std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

std::optional<std::string> playlist_base_url(const Config& config, const PlaylistRequest& request) {
    if (!config.publicurl.empty()) return config.publicurl;
    std::string scheme = "http";
    std::string host = request.host.empty() ? request.listen_address : request.host;
    if (request.from_trusted_proxy) {
        const std::string proto = to_lower(first_value(request.forwarded_proto));
        if (proto == "http" || proto == "https") scheme = proto;
        const std::string forwarded_host = first_value(request.forwarded_host);
        if (!forwarded_host.empty()) host = forwarded_host;
    }
    if (!valid_host(host)) return std::nullopt;
    return scheme + "://" + host;
}

std::vector<PlaylistEntry> playlist_entries(const Config& config, const std::string& base, const PlaylistRequest& request) {
    std::vector<PlaylistEntry> entries;
    for (const Resource* stream : config.streams()) {
        if (!stream->ip_filter.allows(request.client_ip)) continue;
        std::string url = join_url(base, stream->serve);
        if (stream->auth.type == AuthPolicy::Type::securelink) {
            const SecureLinkPolicy& link = stream->auth.securelink;
            url += "?" + secure_link_query(link, SecureLinkRequest{nginx_uri(stream->serve), request.client_ip, ""},
                                           request.now_s + link.lifetime_s);
        } else if (authenticate(stream->auth, config.userlist, request.authorization) != AuthResult::allowed) {
            continue;
        }
        entries.push_back({playlist_name(*stream), stream->tvg_id, stream->logo, stream->group, std::move(url)});
    }
    return entries;
}

HttpReply playlist_reply(const Config& config, const PlaylistRequest& request) {
    const std::optional<std::string> base = playlist_base_url(config, request);
    if (!base) return HttpReply::text(400, "400 invalid Host");
    HttpReply reply = HttpReply::text(200, m3u_text(config.guide, playlist_entries(config, *base, request)));
    reply.content_type = "audio/x-mpegurl; charset=utf-8";
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
}
