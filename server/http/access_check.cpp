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
