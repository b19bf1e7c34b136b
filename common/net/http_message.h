// http_message.h - the pure parts of HTTP/1.1: response head parsing and chunked body decoding (for
// the http upstream), and request targets in absolute form (for the server). No I/O here, so that all
// are unit-tested on byte strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/parsed.h"

struct HttpResponseHead {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

    // First value of a header (name in lower case), or empty.
    std::string header(std::string_view name) const;
    bool is_chunked() const;
};

// Parses "HTTP/1.x NNN reason\r\nName: value\r\n...\r\n\r\n" (the head only, without the blank line
// terminator required).
Parsed<HttpResponseHead> parse_response_head(std::string_view head);

// Decodes a chunked body incrementally: feed any split of the bytes, get the payload out.
class ChunkedDecoder {
public:
    enum class Status { more, done, error };
    // Appends decoded payload bytes to `out`.
    Status feed(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out);
    const std::string& error() const { return error_; }

private:
    enum class State { size_line, data, data_crlf, trailer, done, error };
    State state_ = State::size_line;
    uint64_t remaining_ = 0;
    std::string line_;
    std::string error_;
};

// The path of an http or https request target in absolute form (RFC 9112 section 3.2.2), still
// percent-encoded: "http://host:8000/s.ts?x=1" gives "/s.ts", "http://host" and "http://host?x=1"
// give "/". nullopt for any other target (origin form "/s.ts", "*", another scheme, no host).
std::optional<std::string_view> absolute_form_path(std::string_view target);
