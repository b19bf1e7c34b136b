// http_message_test.cpp - response head parsing, chunked decoding over arbitrary splits, and the
// path of absolute-form request targets.
#include <catch2/catch.hpp>

#include <string>

#include "common/net/http_message.h"

namespace {
std::string decode(const std::string& body, std::size_t piece, ChunkedDecoder::Status& status) {
    ChunkedDecoder decoder;
    std::vector<uint8_t> out;
    status = ChunkedDecoder::Status::more;
    for (std::size_t i = 0; i < body.size() && status == ChunkedDecoder::Status::more; i += piece) {
        auto n = std::min(piece, body.size() - i);
        status = decoder.feed(reinterpret_cast<const uint8_t*>(body.data() + i), n, out);
    }
    return std::string(out.begin(), out.end());
}
}  // namespace

TEST_CASE("parse_response_head: status, reason and lower-cased headers", "[http_message]") {
    auto head = parse_response_head("HTTP/1.1 200 OK\r\nContent-Type: video/mpeg\r\nTransfer-Encoding: Chunked\r\n");
    REQUIRE(head);
    CHECK(head.error().empty());
    CHECK(head->status == 200);
    CHECK(head->reason == "OK");
    CHECK(head->header("content-type") == "video/mpeg");
    CHECK(head->is_chunked());
}

TEST_CASE("parse_response_head: rejects what is not HTTP", "[http_message]") {
    auto html = parse_response_head("<html><body>oops</body></html>");
    CHECK_FALSE(html);
    CHECK(html.error() == "not an HTTP response");
    auto no_colon = parse_response_head("HTTP/1.1 200 OK\r\nno colon here\r\n");
    CHECK_FALSE(no_colon);
    CHECK(no_colon.error() == "malformed header line");
}

TEST_CASE("ChunkedDecoder: decodes any split of the body", "[http_message]") {
    const std::string body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
    for (std::size_t piece : {1u, 2u, 3u, 5u, 64u}) {
        ChunkedDecoder::Status status;
        INFO("piece " << piece);
        CHECK(decode(body, piece, status) == "hello, world");
        CHECK(status == ChunkedDecoder::Status::done);
    }
}

TEST_CASE("ChunkedDecoder: a bad size line is an error", "[http_message]") {
    ChunkedDecoder::Status status;
    decode("zz\r\nhello\r\n", 4, status);
    CHECK(status == ChunkedDecoder::Status::error);
    decode("5\r\nhelloXX\r\n", 4, status);
    CHECK(status == ChunkedDecoder::Status::error);
}

TEST_CASE("absolute_form_path: scheme and authority dropped, query not part of the path", "[http_message]") {
    CHECK(absolute_form_path("http://host/s.ts") == std::optional<std::string_view>("/s.ts"));
    CHECK(absolute_form_path("http://host:8000/a/b.ts?x=1&y") == std::optional<std::string_view>("/a/b.ts"));
    CHECK(absolute_form_path("https://[::1]:8443/s.ts") == std::optional<std::string_view>("/s.ts"));
    CHECK(absolute_form_path("HTTP://Host/s.ts") == std::optional<std::string_view>("/s.ts"));
    CHECK(absolute_form_path("http://user@host/s.ts") == std::optional<std::string_view>("/s.ts"));
    // Still percent-encoded: the caller decodes it as it decodes an origin-form path.
    CHECK(absolute_form_path("http://host/a%20b.ts") == std::optional<std::string_view>("/a%20b.ts"));
    // A URL in the query is the query's.
    CHECK(absolute_form_path("http://host/r?u=http://other/x") == std::optional<std::string_view>("/r"));
    // An empty path is "/" (RFC 9112 section 3.2.1), with or without a query.
    CHECK(absolute_form_path("http://host") == std::optional<std::string_view>("/"));
    CHECK(absolute_form_path("http://host:8000") == std::optional<std::string_view>("/"));
    CHECK(absolute_form_path("http://host?offline") == std::optional<std::string_view>("/"));
    CHECK(absolute_form_path("http://host/") == std::optional<std::string_view>("/"));
}

TEST_CASE("absolute_form_path: other forms are left alone", "[http_message]") {
    for (const char* target : {"/s.ts", "/", "*", "/redirect?to=http://host/s.ts", "/http://host/s.ts", "host:8000",
                               "ftp://host/s.ts", "rtsp://host/s.ts", "http:/host/s.ts", "http://", "http:///s.ts",
                               "http://?x", "://host/s.ts", ""}) {
        INFO(target);
        CHECK_FALSE(absolute_form_path(target));
    }
}
