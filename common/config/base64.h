// base64.h - Base64 (RFC 4648): the standard alphabet with padding, for the Basic credentials of
// http upstreams, and the URL alphabet, for signed links (secure_link.h). Pure; no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

std::string base64_encode(std::string_view bytes);
// The standard alphabet with padding, as RFC 7617 requires for Basic credentials; nullopt for
// anything else (no padding, other characters, empty).
std::optional<std::string> base64_decode(std::string_view text);
// The URL alphabet ('-' and '_') without padding, as nginx's secure_link links carry their hash.
std::string base64url_encode(std::string_view bytes);
// nginx's ngx_decode_base64url, so that a link is read exactly as nginx reads it: the text up to the
// first '=' (the rest is ignored), URL alphabet only, a length that is not 1 modulo 4; the unused
// low bits of the last character are not checked. nullopt when malformed.
std::optional<std::string> base64url_decode_lenient(std::string_view text);
