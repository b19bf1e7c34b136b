// config_securelink_test.cpp - "authentication": {"type": "securelink", ...}: the md5 and hmac
// forms, their one-line errors, and sign_url() for `server --sign-url`.
#include "common/config/link_signer.h"
#include "test/unit/config_test_support.h"

using namespace config_test;

namespace {
std::string with_auth(const std::string& auth) {
    return R"json({"resources": [
        {"type": "static", "serve": "/s/link", "remote": "file:///dev/null", "authentication": )json" + auth + R"json(},
        {"type": "static", "serve": "/open", "remote": "file:///dev/null"}]})json";
}
}  // namespace

TEST_CASE("Config: securelink md5 and hmac", "[config][securelink]") {
    Config md5 = parse_ok(with_auth(R"json({"type": "securelink", "secure_link_md5": "$secure_link_expires$uri$remote_addr secret"})json"));
    const AuthPolicy& auth = md5.resources[0].auth;
    CHECK(auth.type == AuthPolicy::Type::securelink);
    CHECK(auth.securelink.kind == SecureLinkPolicy::Kind::md5);
    CHECK(auth.securelink.expression == "$secure_link_expires$uri$remote_addr secret");
    CHECK(auth.securelink.lifetime_s == 86400);
    Config hmac = parse_ok(with_auth(
        R"json({"type": "securelink", "lifetime": 60, "secure_link_hmac": {"secret": "k", "message": "$secure_link_expires$uri"}})json"));
    CHECK(hmac.resources[0].auth.securelink.kind == SecureLinkPolicy::Kind::hmac);
    CHECK(hmac.resources[0].auth.securelink.secret == "k");
    CHECK(hmac.resources[0].auth.securelink.lifetime_s == 60);
}

TEST_CASE("Config: securelink errors are one line", "[config][securelink]") {
    CHECK(error_of(with_auth(R"json({"type": "securelink"})json")) ==
          "server.json: resources[0].authentication: securelink needs \"secure_link_md5\" or \"secure_link_hmac\"");
    CHECK(error_of(with_auth(R"json({"type": "securelink", "secure_link_md5": ""})json")) ==
          "server.json: resources[0].authentication.secure_link_md5: must not be empty");
    CHECK(error_of(with_auth(R"json({"type": "securelink", "secure_link_md5": "$host s"})json")) ==
          "server.json: resources[0].authentication.secure_link_md5: unknown variable \"$host\" (known: $secure_link_expires, "
          "$uri, $remote_addr, $args, $arg_NAME)");
    CHECK(error_of(with_auth(R"json({"type": "securelink", "secure_link_hmac": {"message": "$uri"}})json")) ==
          "server.json: resources[0].authentication.secure_link_hmac.secret: missing");
    CHECK(error_of(with_auth(R"json({"type": "securelink", "secure_link_hmac": {"secret": "", "message": "$uri"}})json")) ==
          "server.json: resources[0].authentication.secure_link_hmac.secret: must not be empty");
    CHECK(error_of(with_auth(R"json({"type": "basic", "secure_link_md5": "$uri s"})json")) ==
          "server.json: resources[0].authentication.secure_link_md5: only with \"type\": \"securelink\"");
}

TEST_CASE("sign_url: the resource's policy, or a one-line error", "[config][securelink]") {
    Config config = parse_ok(with_auth(R"json({"type": "securelink", "secure_link_md5": "$secure_link_expires$uri$remote_addr secret"})json"));
    CHECK(*sign_url(config, "http://example.com:8000/s/link", 2147483647, "127.0.0.1") ==
          "http://example.com:8000/s/link?md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647");
    CHECK(*sign_url(config, "/s/%6Cink", 2147483647, "127.0.0.1") == "/s/%6Cink?md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647");
    CHECK(sign_url(config, "http://h/nothing", 1, "127.0.0.1").error() == "no resource serves \"/nothing\"");
    CHECK(sign_url(config, "http://h/open", 1, "127.0.0.1").error() ==
          "the resource \"/open\" has no securelink authentication (no secret to sign with)");
    CHECK(sign_url(config, "http://h/s/link", 1, "").error() == "the expression of \"/s/link\" uses $remote_addr: give --client ADDR");
}

TEST_CASE("resource_serving: own paths, HLS prefixes, the longest relay prefix", "[config][securelink]") {
    Config config = parse_ok(R"json({"resources": [
        {"type": "relay", "serve": "/", "groups": ["239.0.0.0/8"]},
        {"type": "relay", "serve": "/udp/", "groups": ["239.0.0.0/8"],
         "authentication": {"type": "securelink", "secure_link_md5": "$secure_link_expires$uri k"}},
        {"type": "stream", "serve": "/tv.ts", "remote": "http://h/a", "hls": {"serve": "/hls/tv/"}}]})json");
    CHECK(resource_serving(config, "/tv.ts") == &config.resources[2]);
    CHECK(resource_serving(config, "/hls/tv/index.m3u8") == &config.resources[2]);
    CHECK(resource_serving(config, "/udp/239.1.1.1:5000") == &config.resources[1]);
    CHECK(resource_serving(config, "/rtp/239.1.1.1:5000") == &config.resources[0]);
    // echo -n '100/udp/239.1.1.1:5000 k' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
    CHECK(*sign_url(config, "http://h/udp/239.1.1.1:5000", 100, "") == "http://h/udp/239.1.1.1:5000?md5=cQdtBky4QxX65I5paI5IHQ&expires=100");
}
