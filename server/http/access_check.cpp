// access_check.cpp - the address rules, then the resource's authentication, each refusal logged.
#include "server/http/access_check.h"

#include <chrono>

#include "common/log.h"

namespace {
void log_refusal(const HttpRequestInfo& request, const std::string& address, const std::string& reason) {
    LogLine line(LogLevel::warn, "client_refused");
    line.kv("path", request.path).kv("client", request.client);
    if (!address.empty()) line.kv("address", address);
    line.kv("reason", reason);
}
}  // namespace

std::optional<HttpReply> secure_link_refusal(const SecureLinkPolicy& link, const HttpRequestInfo& request,
                                             const std::string& client_ip) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const SecureLinkCheck check = check_secure_link(link, SecureLinkRequest{nginx_uri(request.path), client_ip, request.raw_query}, now);
    if (check.verdict == SecureLinkVerdict::valid) return std::nullopt;
    log_refusal(request, client_ip, check.reason);
    if (check.verdict == SecureLinkVerdict::expired) return HttpReply::text(410, "link expired");
    return HttpReply::text(403, "forbidden");
}

std::optional<HttpReply> access_refusal(const Resource& resource, const Userlist& users, const HttpRequestInfo& request,
                                        const std::string& client_ip, std::string& user) {
    if (!resource.ip_filter.allows(client_ip)) {
        log_refusal(request, client_ip, "address not allowed");
        return HttpReply::text(403, "forbidden");
    }
    if (resource.auth.type == AuthPolicy::Type::securelink) return secure_link_refusal(resource.auth.securelink, request, client_ip);
    switch (authenticate(resource.auth, users, request.header("authorization"), &user)) {
    case AuthResult::allowed: return std::nullopt;
    case AuthResult::challenge: {
        LogLine(LogLevel::info, "client_challenged").kv("path", request.path).kv("client", request.client);
        HttpReply reply = HttpReply::text(401, "unauthorized");
        reply.headers.emplace_back("WWW-Authenticate", challenge_header(resource.auth));
        return reply;
    }
    case AuthResult::forbidden:
        log_refusal(request, "", "bad credentials");
        return HttpReply::text(403, "forbidden");
    }
    return HttpReply::text(403, "forbidden");
}

std::string sign_hls_playlist(std::string_view text, const SecureLinkPolicy& link, const std::string& prefix,
                              const HttpRequestInfo& request, const std::string& client_ip) {
    const std::string expires_text(query_arg(request.raw_query, "expires").value_or("0"));
    const int64_t expires = expires_text.find_first_not_of("0123456789") == std::string::npos && !expires_text.empty() &&
                                    expires_text.size() < 19 ? std::stoll(expires_text) : 0;
    std::string out;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        out += line;
        if (!line.empty() && line.front() != '#')
            out += "?" + secure_link_query(link, SecureLinkRequest{nginx_uri(prefix + std::string(line)), client_ip, ""}, expires);
        if (end == std::string_view::npos) break;
        out += '\n';
        text.remove_prefix(end + 1);
    }
    return out;
}
