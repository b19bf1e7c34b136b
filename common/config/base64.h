// base64.h - standard Base64 (RFC 4648, with padding), for the Basic credentials of http upstreams.
// Pure; no state.
#pragma once

#include <string>
#include <string_view>

std::string base64_encode(std::string_view bytes);
