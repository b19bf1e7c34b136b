// link_signer.h - signed links for a configuration: which resource serves a URL's path, and the
// URL with its md5/hmac and expires arguments. Used by `server --sign-url`. Pure: the caller passes
// the expiry time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/config/config.h"
#include "common/parsed.h"

// The resource that serves `path` as the server routes it: its own path, a stream's HLS prefix
// (names directly under it), or the relay with the longest prefix. Null when none does.
const Resource* resource_serving(const Config& config, const std::string& path);

// `url` (absolute "scheme://host/path?query", or a path) with the signature appended; errors, one
// line: no resource serves the path, the resource is not securelink, the expression needs $remote_addr
// and `client` is empty.
Parsed<std::string> sign_url(const Config& config, std::string_view url, int64_t expires, const std::string& client);
