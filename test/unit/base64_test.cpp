// base64_test.cpp - base64_encode against the RFC 4648 test vectors and bytes above 0x7f.
#include <catch2/catch.hpp>

#include <string>

#include "common/config/base64.h"

TEST_CASE("base64_encode: RFC 4648 test vectors, every padding length", "[base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64_encode: Basic credentials and high bytes", "[base64]") {
    // RFC 7617's example.
    CHECK(base64_encode("Aladdin:open sesame") == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK(base64_encode(std::string("\xff\xfe\x00\x3e\x3f", 5)) == "//4APj8=");
}

TEST_CASE("base64url: URL alphabet without padding, decoded as nginx decodes it", "[base64]") {
    CHECK(base64url_encode("foob") == "Zm9vYg");
    CHECK(base64url_encode(std::string("\xff\xfe\x00\x3e\x3f", 5)) == "__4APj8");
    CHECK(base64url_decode_lenient("Zm9vYg") == "foob");
    CHECK(base64url_decode_lenient("Zm9vYg==") == "foob");
    CHECK(base64url_decode_lenient("Zm9vYg=anything") == "foob");  // nginx stops at the first '='
    CHECK(base64url_decode_lenient("__4APj8") == std::string("\xff\xfe\x00\x3e\x3f", 5));
    CHECK_FALSE(base64url_decode_lenient("//4APj8"));  // the standard alphabet is not the URL one
    CHECK_FALSE(base64url_decode_lenient("Zm9vY"));    // 1 modulo 4
    CHECK(base64url_decode_lenient("") == "");
}
