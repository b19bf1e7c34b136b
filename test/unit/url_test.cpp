// url_test.cpp - parse_upstream_url: every scheme, IPv6 literals, fork arguments, udp options, errors.
#include <catch2/catch.hpp>

#include "common/net/url.h"
#include "test/unit/parsed_checks.h"

namespace {

UpstreamUrl parse_ok(std::string_view text) {
    UpstreamUrl url = value_of(parse_upstream_url(text), text);
    CHECK(url.text == text);
    return url;
}

std::string parse_error(std::string_view text) { return error_of(parse_upstream_url(text), text); }

}  // namespace

TEST_CASE("parse_upstream_url: http defaults to port 80 and target /", "[url]") {
    UpstreamUrl url = parse_ok("http://example.com");
    CHECK(url.scheme == UpstreamUrl::Scheme::http);
    CHECK(url.host == "example.com");
    CHECK(url.port == 80);
    CHECK(url.target == "/");
    CHECK(url.userinfo.empty());
    CHECK_FALSE(url.is_ipv6_literal());
}

TEST_CASE("parse_upstream_url: http target is path and query, without the fragment", "[url]") {
    CHECK(parse_ok("http://h:8080/live/ch1.ts").target == "/live/ch1.ts");
    CHECK(parse_ok("http://h:8080/live/ch1.ts").port == 8080);
    CHECK(parse_ok("http://h/a.ts?token=x&y=%20").target == "/a.ts?token=x&y=%20");
    CHECK(parse_ok("http://h?x=1").target == "/?x=1");
    CHECK(parse_ok("http://h/a.ts#frag").target == "/a.ts");
    CHECK(parse_ok("http://h:/a.ts").port == 80);
}

TEST_CASE("parse_upstream_url: https defaults to port 443", "[url]") {
    UpstreamUrl url = parse_ok("https://example.com/x");
    CHECK(url.scheme == UpstreamUrl::Scheme::https);
    CHECK(url.port == 443);
    CHECK(parse_ok("https://example.com:8443/x").port == 8443);
}

TEST_CASE("parse_upstream_url: scheme is case-insensitive", "[url]") {
    CHECK(parse_ok("HTTP://h/x").scheme == UpstreamUrl::Scheme::http);
    CHECK(parse_ok("Udp://239.0.0.1:1234").scheme == UpstreamUrl::Scheme::udp);
}

TEST_CASE("parse_upstream_url: http user info is kept for Basic auth, the password masked in text", "[url]") {
    Parsed<UpstreamUrl> result = parse_upstream_url("http://user:p%40ss@h:81/x");
    REQUIRE(result);
    const UpstreamUrl& url = *result;
    CHECK(url.userinfo == "user:p%40ss");
    CHECK(url.text == "http://user:xxxxx@h:81/x");
    CHECK(url.host == "h");
    CHECK(url.port == 81);
    CHECK(parse_ok("https://token@h/").userinfo == "token");
    CHECK(parse_error("tcp://user@h:1") == "unexpected user info");
}

TEST_CASE("percent_decode: escapes of any case; malformed ones and %00 are rejected", "[url]") {
    CHECK(percent_decode("p%40ss%3a%3A") == "p@ss::");
    CHECK(percent_decode("plain") == "plain");
    CHECK_FALSE(percent_decode("%4"));
    CHECK_FALSE(percent_decode("%zz"));
    CHECK_FALSE(percent_decode("a%00b"));
}

TEST_CASE("parse_upstream_url: IPv6 literals lose their brackets", "[url]") {
    UpstreamUrl url = parse_ok("http://[::1]:10000/x.ts");
    CHECK(url.host == "::1");
    CHECK(url.port == 10000);
    CHECK(url.target == "/x.ts");
    CHECK(url.is_ipv6_literal());

    CHECK(parse_ok("http://[2001:db8::5]/").port == 80);
    UpstreamUrl udp = parse_ok("udp://[ff02::1:3]:5000");
    CHECK(udp.host == "ff02::1:3");
    CHECK(udp.port == 5000);
    CHECK(parse_ok("tcp://[::ffff:127.0.0.1]:9").host == "::ffff:127.0.0.1");
}

TEST_CASE("parse_upstream_url: IPv6 errors", "[url]") {
    CHECK(parse_error("http://[::1/x.ts") == "unterminated IPv6 literal");
    CHECK(parse_error("http://::1/x.ts") == "IPv6 literal needs brackets, e.g. [::1]");
    CHECK(parse_error("http://[::1]x/") == "unexpected \"x\" after IPv6 literal");
    CHECK(parse_error("http://[example]/") == "invalid IPv6 literal \"[example]\"");
    CHECK(parse_error("http://[]/") == "invalid IPv6 literal \"[]\"");
}

TEST_CASE("parse_upstream_url: general errors", "[url]") {
    CHECK(parse_error("rtsp://cam/stream") == "unknown scheme \"rtsp\" (expected http, https, file, tcp, udp, unix, fork)");
    CHECK(parse_error("://x") == "unknown scheme \"\" (expected http, https, file, tcp, udp, unix, fork)");
    CHECK(parse_error("example.com/x.ts") == "not a URL (no \"://\")");
    CHECK(parse_error("file:/tmp/x") == "not a URL (no \"://\")");
    CHECK(parse_error("") == "empty URL");
    CHECK(parse_error("http://h/a b") == "contains spaces or control characters");
    CHECK(parse_error("http://h/a\r\nX: y") == "contains spaces or control characters");
}

TEST_CASE("parse_upstream_url: host and port errors", "[url]") {
    CHECK(parse_error("http:///x.ts") == "missing host");
    CHECK(parse_error("tcp://:1234") == "missing host");
    CHECK(parse_error("tcp://host") == "missing port");
    CHECK(parse_error("tcp://host:") == "missing port");
    CHECK(parse_error("udp://239.0.0.1") == "missing port");
    CHECK(parse_error("http://h:99999/") == "invalid port \"99999\"");
    CHECK(parse_error("http://h:0/") == "invalid port \"0\"");
    CHECK(parse_error("http://h:80x/") == "invalid port \"80x\"");
    CHECK(parse_error("tcp://h:-1") == "invalid port \"-1\"");
    CHECK(parse_error("http://ho$t/") == "invalid host \"ho$t\"");
}

TEST_CASE("parse_upstream_url: file takes an absolute, percent-decoded path", "[url]") {
    UpstreamUrl url = parse_ok("file:///srv/tv/my%20channel.ts");
    CHECK(url.scheme == UpstreamUrl::Scheme::file);
    CHECK(url.path == "/srv/tv/my channel.ts");
    CHECK(url.host.empty());
    CHECK(parse_ok("file://localhost/tmp/fifo").path == "/tmp/fifo");
    CHECK(parse_ok("file://LocalHost/tmp/fifo").path == "/tmp/fifo");
    CHECK(parse_ok("file:///a%3Fb").path == "/a?b");
}

TEST_CASE("parse_upstream_url: file errors", "[url]") {
    CHECK(parse_error("file://") == "empty path");
    CHECK(parse_error("file://localhost") == "empty path");
    CHECK(parse_error("file://tmp/x.ts") == "unexpected host \"tmp\" (expected file:///path)");
    CHECK(parse_error("file:///tmp/x.ts?y") == "unexpected query (write '?' in a path as %3F)");
    CHECK(parse_error("file:///tmp/%zz") == "invalid percent-encoding in path");
    CHECK(parse_error("file:///tmp/%2") == "invalid percent-encoding in path");
    CHECK(parse_error("file:///tmp/%00") == "invalid percent-encoding in path");
}

TEST_CASE("parse_upstream_url: tcp needs host and port, nothing else", "[url]") {
    UpstreamUrl url = parse_ok("tcp://encoder.lan:1234");
    CHECK(url.scheme == UpstreamUrl::Scheme::tcp);
    CHECK(url.host == "encoder.lan");
    CHECK(url.port == 1234);
    CHECK(parse_ok("tcp://127.0.0.1:1234/").port == 1234);
    CHECK(parse_error("tcp://h:1/x") == "unexpected path \"/x\"");
    CHECK(parse_error("tcp://h:1?iface=eth0") == "unexpected query");
}

TEST_CASE("parse_upstream_url: udp options go into query", "[url]") {
    UpstreamUrl plain = parse_ok("udp://239.1.2.3:5000");
    CHECK(plain.scheme == UpstreamUrl::Scheme::udp);
    CHECK(plain.host == "239.1.2.3");
    CHECK(plain.port == 5000);
    CHECK(plain.query.empty());

    UpstreamUrl url = parse_ok("udp://239.1.2.3:5000?iface=eth0&source=10.0.0.1");
    CHECK(url.query == std::map<std::string, std::string>{{"iface", "eth0"}, {"source", "10.0.0.1"}});
    CHECK(parse_ok("udp://239.1.2.3:5000/?iface=br%2D0").query.at("iface") == "br-0");
    CHECK(parse_ok("udp://239.1.2.3:5000?").query.empty());
}

TEST_CASE("parse_upstream_url: udp option errors", "[url]") {
    CHECK(parse_error("udp://239.1.2.3:5000?ttl=4") == "unknown query key \"ttl\" (expected iface, source)");
    CHECK(parse_error("udp://239.1.2.3:5000?iface=a&iface=b") == "duplicate query key \"iface\"");
    CHECK(parse_error("udp://239.1.2.3:5000?iface=") == "missing value for \"iface\"");
    CHECK(parse_error("udp://239.1.2.3:5000?source") == "missing value for \"source\"");
    CHECK(parse_error("udp://239.1.2.3:5000?iface=%g0") == "invalid percent-encoding in query");
}

TEST_CASE("parse_upstream_url: unix schemes choose the socket type", "[url]") {
    UpstreamUrl stream = parse_ok("unix:///run/enc.sock");
    CHECK(stream.scheme == UpstreamUrl::Scheme::unix_socket);
    CHECK(stream.unix_type == UpstreamUrl::UnixType::automatic);
    CHECK(stream.path == "/run/enc.sock");
    CHECK(parse_ok("unixgram:///run/enc.sock").unix_type == UpstreamUrl::UnixType::datagram);
    CHECK(parse_ok("unixpacket:///run/enc.sock").unix_type == UpstreamUrl::UnixType::seqpacket);
    CHECK(parse_error("unix://") == "empty path");
    CHECK(parse_error("unixgram://host/x") == "unexpected host \"host\" (expected unixgram:///path)");
    CHECK(parse_error("unix:///run/x?y") == "unexpected query (write '?' in a path as %3F)");
}

TEST_CASE("parse_upstream_url: fork arguments split on '+' and are percent-decoded", "[url]") {
    UpstreamUrl url = parse_ok("fork:///usr/bin/ffmpeg?-i+/tmp/in%20file.ts+-f+mpegts+a%2Bb+pipe:1");
    CHECK(url.scheme == UpstreamUrl::Scheme::fork);
    CHECK(url.path == "/usr/bin/ffmpeg");
    CHECK(url.args == std::vector<std::string>{"-i", "/tmp/in file.ts", "-f", "mpegts", "a+b", "pipe:1"});

    CHECK(parse_ok("fork:///bin/cat").args.empty());
    CHECK(parse_ok("fork:///bin/cat?").args.empty());
    CHECK(parse_ok("fork:///bin/echo?a++b").args == std::vector<std::string>{"a", "", "b"});
    CHECK(parse_ok("fork:///opt/my%20tool?x").path == "/opt/my tool");
    CHECK(parse_error("fork://") == "empty path");
    CHECK(parse_error("fork:///bin/echo?%") == "invalid percent-encoding in arguments");
}

TEST_CASE("to_string(UpstreamUrl::Scheme) names every scheme", "[url]") {
    using Scheme = UpstreamUrl::Scheme;
    CHECK(std::string(to_string(Scheme::http)) == "http");
    CHECK(std::string(to_string(Scheme::https)) == "https");
    CHECK(std::string(to_string(Scheme::file)) == "file");
    CHECK(std::string(to_string(Scheme::tcp)) == "tcp");
    CHECK(std::string(to_string(Scheme::udp)) == "udp");
    CHECK(std::string(to_string(Scheme::unix_socket)) == "unix");
    CHECK(std::string(to_string(Scheme::fork)) == "fork");
}

TEST_CASE("split_host_port: host forms shared with the listen address", "[url]") {
    Parsed<HostPort> plain = split_host_port("localhost:8000");
    REQUIRE(plain);
    CHECK(plain->host == "localhost");
    CHECK(plain->port == "8000");
    CHECK(plain.error().empty());

    Parsed<HostPort> v6 = split_host_port("[::1]:http");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == "http");

    Parsed<HostPort> no_host = split_host_port(":8000");
    REQUIRE(no_host);
    CHECK(no_host->host.empty());
    CHECK(no_host->port == "8000");

    CHECK(split_host_port("host")->port.empty());
    CHECK_FALSE(split_host_port("[::1"));
    CHECK(split_host_port("[::1").error() == "unterminated IPv6 literal");
}

TEST_CASE("parse_port_number: 1 to 65535 in decimal", "[url]") {
    CHECK(parse_port_number("1") == uint16_t{1});
    CHECK(parse_port_number("65535") == uint16_t{65535});
    CHECK(parse_port_number("08080") == uint16_t{8080});
    CHECK_FALSE(parse_port_number(""));
    CHECK_FALSE(parse_port_number("0"));
    CHECK_FALSE(parse_port_number("65536"));
    CHECK_FALSE(parse_port_number("123456"));
    CHECK_FALSE(parse_port_number("+80"));
}
