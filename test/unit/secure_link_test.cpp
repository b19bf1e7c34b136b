// secure_link_test.cpp - the nginx secure_link check and signer: nginx's documented example, the
// expression language, $arg_NAME and $uri as nginx makes them, every refusal and the HMAC form.
#include <catch2/catch.hpp>

#include <string>

#include "common/config/secure_link.h"

namespace {

// nginx's documentation (ngx_http_secure_link_module):
//   echo -n '2147483647/s/link127.0.0.1 secret' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
//   _e4Nc3iduzkWRm01TBBNYw
SecureLinkPolicy md5_policy() {
    SecureLinkPolicy policy;
    policy.expression = "$secure_link_expires$uri$remote_addr secret";
    return policy;
}

SecureLinkPolicy hmac_policy() {
    SecureLinkPolicy policy;
    policy.kind = SecureLinkPolicy::Kind::hmac;
    policy.secret = "key";
    policy.expression = "$secure_link_expires$uri";
    return policy;
}

SecureLinkRequest request(std::string args, std::string uri = "/s/link", std::string address = "127.0.0.1") {
    return SecureLinkRequest{std::move(uri), std::move(address), std::move(args)};
}

SecureLinkVerdict verdict(const SecureLinkPolicy& policy, const SecureLinkRequest& r, int64_t now = 1000) {
    return check_secure_link(policy, r, now).verdict;
}

}  // namespace

TEST_CASE("secure_link: nginx's documented example", "[secure_link]") {
    const SecureLinkPolicy policy = md5_policy();
    CHECK(secure_link_query(policy, request(""), 2147483647) == "md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647");
    CHECK(verdict(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647")) == SecureLinkVerdict::valid);
    // Padding and what follows the first '=' are ignored by nginx's base64url decoder.
    CHECK(verdict(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw==&expires=2147483647")) == SecureLinkVerdict::valid);
    // The arguments' names are case-insensitive and their order free.
    CHECK(verdict(policy, request("EXPIRES=2147483647&x=1&MD5=_e4Nc3iduzkWRm01TBBNYw")) == SecureLinkVerdict::valid);
}

TEST_CASE("secure_link: expired after the hash, refused with a reason", "[secure_link]") {
    const SecureLinkPolicy policy = md5_policy();
    const std::string query = secure_link_query(policy, request(""), 500);
    const SecureLinkCheck expired = check_secure_link(policy, request(query), 1000);
    CHECK(expired.verdict == SecureLinkVerdict::expired);
    CHECK(expired.reason == "link expired 500 s ago");
    CHECK(verdict(policy, request(query), 500) == SecureLinkVerdict::valid);  // nginx: expires < now
    CHECK(check_secure_link(policy, request(query, "/s/other"), 1000).reason == "wrong md5");
    CHECK(check_secure_link(policy, request(query, "/s/link", "10.0.0.1"), 1000).reason == "wrong md5");
    CHECK(check_secure_link(policy, request("expires=500"), 1).reason == "missing md5");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw"), 1).reason == "missing expires");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw&expires=-5"), 1).reason == "invalid expires");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw&expires=0"), 1).reason == "invalid expires");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw&expires=99999999999999999999"), 1).reason ==
          "invalid expires");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNY&expires=2147483647"), 1).reason == "malformed md5");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw%3D%3D%3D&expires=2147483647"), 1).reason ==
          "malformed md5");  // longer than 24 characters
    CHECK(check_secure_link(policy, request("md5=/e4Nc3iduzkWRm01TBBNYw&expires=2147483647"), 1).reason == "malformed md5");
}

TEST_CASE("secure_link: the expression language", "[secure_link]") {
    const SecureLinkRequest r = request("a=1&token=T&Name=x%20y", "/p", "::1");
    CHECK(expand_secure_link("${uri}x$URI $remote_addr|$arg_name|$arg_token|$arg_none|$args|$secure_link_expires", r, "9") ==
          "/px/p ::1|x%20y|T||a=1&token=T&Name=x%20y|9");
    CHECK(expand_secure_link("no variables", r, "9") == "no variables");
    CHECK(secure_link_expression_error("$secure_link_expires$uri$remote_addr$arg_x ${args} s") == "");
    CHECK(secure_link_expression_error("$host s") == "unknown variable \"$host\"");
    CHECK(secure_link_expression_error("secret $") == "invalid variable name at \"$\"");
    CHECK(secure_link_expression_error("${uri") == "invalid variable name at \"${uri\"");
}

TEST_CASE("secure_link: $arg_NAME as ngx_http_arg finds it", "[secure_link]") {
    CHECK(query_arg("md5=a&expires=1", "md5") == "a");
    CHECK(query_arg("xmd5=a&md5=b", "md5") == "b");
    CHECK(query_arg("md5&md5=", "md5") == "");
    CHECK_FALSE(query_arg("md5", "md5"));
    CHECK_FALSE(query_arg("", "md5"));
    CHECK(query_arg("x=md5=1", "md5") == std::nullopt);
}

TEST_CASE("secure_link: $uri merges slashes and resolves dot segments", "[secure_link]") {
    CHECK(nginx_uri("/s/link") == "/s/link");
    CHECK(nginx_uri("//s///link") == "/s/link");
    CHECK(nginx_uri("/s/./link") == "/s/link");
    CHECK(nginx_uri("/a/../s/link") == "/s/link");
    CHECK(nginx_uri("/s/link/") == "/s/link/");
    CHECK(nginx_uri("/s/..") == "/");
    CHECK(nginx_uri("/s/.") == "/s/");
    CHECK(nginx_uri("/") == "/");
}

TEST_CASE("secure_link: the HMAC-SHA256 form", "[secure_link]") {
    // echo -n '2147483647/s/link' | openssl dgst -sha256 -hmac key -binary | openssl base64 | tr +/ -_ | tr -d =
    const SecureLinkPolicy policy = hmac_policy();
    CHECK(secure_link_query(policy, request(""), 2147483647) ==
          "hmac=b5W-edt1kZUhoEGCoag6NFYOO6DkyDqSN2w6kMOqSrI&expires=2147483647");
    CHECK(verdict(policy, request("hmac=b5W-edt1kZUhoEGCoag6NFYOO6DkyDqSN2w6kMOqSrI&expires=2147483647")) ==
          SecureLinkVerdict::valid);
    CHECK(check_secure_link(policy, request("hmac=b5W-edt1kZUhoEGCoag6NFYOO6DkyDqSN2w6kMOqSrI&expires=2147483646"), 1).reason ==
          "wrong hmac");
    CHECK(check_secure_link(policy, request("md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647"), 1).reason == "missing hmac");
    const std::string old = secure_link_query(policy, request(""), 10);
    CHECK(verdict(policy, request(old), 11) == SecureLinkVerdict::expired);
}
