// access_check.h - whether a request may have a resource: its allow/deny rules, then its
// authentication (Basic, Bearer, or a signed link). The one check point for streams, HLS, relays,
// static content and the APIs. Any connection thread; logs each refusal with its reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/config/config.h"
#include "server/http/http_reply.h"

// nullopt when allowed (`user` is then the authenticated user, or empty); else the reply: 403 by
// address, 401/403 by credentials, 403 for a missing or wrong signed link, 410 for an expired one.
std::optional<HttpReply> access_refusal(const Resource& resource, const Userlist& users, const HttpRequestInfo& request,
                                        const std::string& client_ip, std::string& user);

// The link check alone (securelink resources): nullopt when valid.
std::optional<HttpReply> secure_link_refusal(const SecureLinkPolicy& link, const HttpRequestInfo& request,
                                             const std::string& client_ip);

// An HLS playlist fetched with a valid link, its URIs (the lines that are not tags, relative to
// `prefix`) signed for the same client and expiry, so that the player's next requests pass too.
std::string sign_hls_playlist(std::string_view text, const SecureLinkPolicy& link, const std::string& prefix,
                              const HttpRequestInfo& request, const std::string& client_ip);
