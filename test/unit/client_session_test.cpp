// client_session_test.cpp - parse_request_head: the request line the fake upstream accepts and rejects.
#include <catch2/catch.hpp>

#include "source/client_session.h"

TEST_CASE("parse_request_head: method and target of an HTTP/1.x request", "[client_session]") {
    auto request = parse_request_head("GET /stream.ts?x=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl");
    REQUIRE(request);
    CHECK(request->method == "GET");
    CHECK(request->target == "/stream.ts?x=1");
    CHECK(parse_request_head("HEAD / HTTP/1.0"));
    CHECK(parse_request_head("GET / HTTP/1.0\nHost: bare-newlines"));
}

TEST_CASE("parse_request_head: malformed heads are rejected", "[client_session]") {
    CHECK_FALSE(parse_request_head(""));
    CHECK_FALSE(parse_request_head("GARBAGE"));
    CHECK_FALSE(parse_request_head("GET /stream.ts"));
    CHECK_FALSE(parse_request_head("GET /a b HTTP/1.1"));
    CHECK_FALSE(parse_request_head("GET / SPDY/3"));
    CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nno colon here"));
    CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\n: empty name"));
}
