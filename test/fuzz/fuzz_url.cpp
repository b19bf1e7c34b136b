// fuzz_url.cpp - libFuzzer target for the upstream URL parser and the helpers it shares with the
// listen address: parse_upstream_url, split_host_port, percent_decode, parse_port_number; and the
// multicast relay's URL parser, which takes the same text as a request path from any client.
// The input is the text, as it would stand in a "remote" of server.json or after a relay's prefix.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/net/relay_url.h"
#include "common/net/url.h"
#include "fuzz_check.h"

namespace {

bool has_control_or_space(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return true;
    }
    return false;
}

void check_url(std::string_view text) {
    const Parsed<UpstreamUrl> result = parse_upstream_url(text);
    fuzz_check(static_cast<bool>(result) == result.error().empty(), "a URL or an error, never both or neither");
    fuzz_check(result.error().find('\n') == std::string::npos, "errors are one line");
    if (!result) return;
    const UpstreamUrl& url = *result;
    fuzz_check(to_string(url.scheme) != nullptr, "to_string(Scheme)");
    fuzz_check(!has_control_or_space(url.text), "the logged text has no spaces or control characters");
    const std::size_t colon = url.userinfo.find(':');
    const std::size_t password = colon == std::string::npos ? 0 : url.userinfo.size() - colon - 1;
    fuzz_check(url.text.size() == text.size() - password + (colon == std::string::npos ? 0 : 5),
               "only the password is masked in the text");
    switch (url.scheme) {
    case UpstreamUrl::Scheme::http:
    case UpstreamUrl::Scheme::https:
        fuzz_check(!url.target.empty() && url.target[0] == '/', "an http target starts with '/'");
        fuzz_check(!has_control_or_space(url.target), "an http target fits in a request line");
        [[fallthrough]];
    case UpstreamUrl::Scheme::tcp:
    case UpstreamUrl::Scheme::udp:
        fuzz_check(!url.host.empty() && url.port != 0, "a network URL has a host and a port");
        fuzz_check(url.host.find_first_of("[]@/") == std::string::npos, "the host is bare");
        fuzz_check(url.path.empty() && url.args.empty(), "a network URL has no local path");
        break;
    case UpstreamUrl::Scheme::file:
    case UpstreamUrl::Scheme::unix_socket:
    case UpstreamUrl::Scheme::fork:
        fuzz_check(!url.path.empty() && url.path.find('\0') == std::string::npos, "a local path is non-empty, without NUL");
        for (const std::string& arg : url.args) fuzz_check(arg.find('\0') == std::string::npos, "no NUL in an argument");
        fuzz_check(url.host.empty() && url.port == 0, "a local URL has no host");
        break;
    }
    if (url.scheme != UpstreamUrl::Scheme::unix_socket) fuzz_check(url.unix_type == UpstreamUrl::UnixType::automatic, "unix_type only for unix");
}

void check_helpers(std::string_view text) {
    const auto decoded = percent_decode(text);
    // %00 is refused; a literal NUL passes (parse_upstream_url refuses control characters earlier).
    if (decoded && text.find('\0') == std::string_view::npos) {
        fuzz_check(decoded->size() <= text.size(), "decoding never grows the text");
        fuzz_check(decoded->find('\0') == std::string::npos, "no NUL decoded");
        // Escaping every byte and decoding again gives the same bytes.
        static const char kHex[] = "0123456789ABCDEF";
        std::string escaped;
        for (unsigned char c : *decoded) {
            escaped += '%';
            escaped += kHex[c >> 4];
            escaped += kHex[c & 0x0F];
        }
        fuzz_check(percent_decode(escaped) == decoded, "percent_decode round trip");
    }

    const auto port = parse_port_number(text);
    if (port) {
        fuzz_check(*port != 0 && !text.empty() && text.size() <= 5, "a port is 1..65535 in at most 5 digits");
        fuzz_check(std::stoul(std::string(text)) == *port, "a port is the decimal value of the text");
    }

    const Parsed<HostPort> split = split_host_port(text);
    fuzz_check(static_cast<bool>(split) == split.error().empty(), "a split or an error, never both or neither");
    if (split) {
        fuzz_check(split->host.size() + split->port.size() <= text.size(), "host and port come from the text");
        fuzz_check(split->host.find_first_of("[]") == std::string::npos, "brackets are removed from the host");
    }
}

// A client's path after a relay's prefix: a target whose upstream parses, or a 400/403 reason.
void check_relay(std::string_view text, const RelayParams& params) {
    static const RelayRules kRules{{*parse_cidr("239.0.0.0/8"), *parse_cidr("ff3e::/16")}, "eth1", true};
    const auto result = parse_relay_request(text, params, kRules);
    if (const RelayError* error = std::get_if<RelayError>(&result)) {
        fuzz_check(error->status == 400 || error->status == 403, "a relay error is 400 or 403");
        const bool has_control = std::any_of(error->reason.begin(), error->reason.end(), [](char c) {
            return static_cast<unsigned char>(c) < ' ' || c == 0x7f;
        });
        fuzz_check(!error->reason.empty() && !has_control, "a relay reason is one line, without control characters");
        return;
    }
    const RelayTarget& target = std::get<RelayTarget>(result);
    fuzz_check(is_multicast(target.group) && target.port != 0, "a relay target is a multicast group and a port");
    fuzz_check(!target.source || !is_multicast(*target.source), "a source is unicast");
    const Parsed<UpstreamUrl> upstream = relay_upstream(target);
    fuzz_check(static_cast<bool>(upstream), "every relay target's upstream URL parses");
    fuzz_check(upstream->text == relay_key(target), "the key is the upstream URL");
    fuzz_check(!has_control_or_space(relay_display_path("/", target)), "the display path fits in a log line");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_url(text);
    check_helpers(text);
    check_relay(text, {});
    check_relay(text, {{"iface", std::string(text.substr(text.size() / 2))}});  // the query from the same bytes
    return 0;
}
