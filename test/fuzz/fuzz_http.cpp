// fuzz_http.cpp - libFuzzer target for what the http upstream parses from a server: the response
// head (parse_response_head) and a chunked body (ChunkedDecoder) fed in any split.
//
// Input: byte 0 sets a piece size (1..64) for one of the splits; the rest is the response. The
// head is the bytes before the first "\r\n\r\n" and the body those after it; without that blank
// line all of it is tried as a head and as a body.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_message.h"
#include "fuzz_check.h"

namespace {

void check_head(std::string_view head) {
    const auto parsed = parse_response_head(head);
    fuzz_check(static_cast<bool>(parsed) == parsed.error().empty(), "a head or an error, never both or neither");
    fuzz_check(parsed.error().find('\n') == std::string::npos, "the error is one line");
    if (!parsed) return;
    fuzz_check(parsed->status >= 0 && parsed->status <= 999, "a status has three digits");
    for (const auto& [name, value] : parsed->headers) {
        fuzz_check(!name.empty() && name.find(':') == std::string::npos, "a header name is non-empty, without ':'");
        fuzz_check(std::none_of(name.begin(), name.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); }),
                   "header names are lower-cased");
        fuzz_check(name.find('\n') == std::string::npos && value.find('\n') == std::string::npos, "a header is one line");
    }
    if (!parsed->headers.empty()) {
        const auto& [first_name, first_value] = parsed->headers.front();
        fuzz_check(parsed->header(first_name) == first_value, "header() finds the first of a name");
    }
    parsed->is_chunked();
}

struct Decoded {
    ChunkedDecoder::Status status;
    std::vector<uint8_t> out;
    std::string error;
};

Decoded decode(const uint8_t* data, std::size_t size, std::size_t piece) {
    ChunkedDecoder decoder;
    Decoded result{ChunkedDecoder::Status::more, {}, {}};
    for (std::size_t pos = 0; pos < size; pos += piece) {
        result.status = decoder.feed(data + pos, std::min(piece, size - pos), result.out);
    }
    // Once done or failed, more bytes change nothing.
    if (result.status != ChunkedDecoder::Status::more) {
        const std::size_t out_size = result.out.size();
        static const uint8_t kMore[] = "5\r\nhello\r\n0\r\n\r\n";
        fuzz_check(decoder.feed(kMore, sizeof kMore - 1, result.out) == result.status, "done and error are final");
        fuzz_check(result.out.size() == out_size, "nothing decoded after the end");
    }
    result.error = decoder.error();
    return result;
}

void check_chunked(const uint8_t* data, std::size_t size, std::size_t piece) {
    const Decoded whole = decode(data, size, std::max<std::size_t>(size, 1));
    fuzz_check((whole.status == ChunkedDecoder::Status::error) == !whole.error.empty(), "error() is set exactly on error");
    fuzz_check(whole.out.size() <= size, "decoding never grows the data");
    for (std::size_t split : {std::size_t(1), piece}) {
        const Decoded parts = decode(data, size, split);
        fuzz_check(parts.status == whole.status && parts.out == whole.out && parts.error == whole.error,
                   "any split of the bytes decodes the same");
    }
    // What came out, chunked again in pieces of `piece` bytes, decodes to itself.
    std::string encoded;
    char size_line[32];
    for (std::size_t pos = 0; pos < whole.out.size(); pos += piece) {
        const std::size_t n = std::min(piece, whole.out.size() - pos);
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
        encoded += size_line;
        encoded.append(reinterpret_cast<const char*>(whole.out.data() + pos), n);
        encoded += "\r\n";
    }
    encoded += "0\r\n\r\n";
    const Decoded again = decode(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size(), encoded.size());
    fuzz_check(again.status == ChunkedDecoder::Status::done && again.out == whole.out, "a re-encoded body decodes to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t piece = std::size_t(data[0] % 64) + 1;
    const std::string_view response(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t blank = response.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
        check_head(response);
        check_chunked(data + 1, size - 1, piece);
        return 0;
    }
    check_head(response.substr(0, blank + 2));
    const std::size_t body = 1 + blank + 4;
    check_chunked(data + body, size - body, piece);
    return 0;
}
