// fuzz_config.cpp - libFuzzer target for parse_config() (server.json) and parse_listen_address().
// The input is the file's text. A result is a Config or one error line, and a Config it accepts
// must hold what the server relies on without checking again.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.h"
#include "fuzz_check.h"

namespace {

void check_config(const Config& config) {
    fuzz_check(parse_listen_address(config.listen).has_value(), "an accepted listen address parses");
    std::set<std::string> served;
    for (const Resource& resource : config.resources) {
        fuzz_check(!resource.serve.empty() && resource.serve[0] == '/', "a served path starts with '/'");
        fuzz_check(served.insert(resource.serve).second, "served paths are distinct");
        if (resource.type != Resource::Type::stream) continue;
        fuzz_check(!resource.remotes.empty(), "a stream has a remote");
        for (const UpstreamUrl& remote : resource.remotes) {
            const Parsed<UpstreamUrl> again = parse_upstream_url(remote.text);
            // The text is the URL as written but with the password masked, which keeps it valid.
            fuzz_check(again && again->scheme == remote.scheme, "a remote's logged text parses to the same scheme");
        }
    }
    fuzz_check(config.streams().size() <= config.resources.size(), "streams() is a subset");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    const Parsed<Config> config = parse_config(text, "fuzz.json", warnings);
    fuzz_check(static_cast<bool>(config) == config.error().empty(), "a Config or an error, never both or neither");
    // Keys and values with escaped control characters ("a\nb") must not split a message.
    fuzz_check(config.error().find('\n') == std::string::npos, "the error is one line");
    for (const std::string& warning : warnings) fuzz_check(warning.find('\n') == std::string::npos, "a warning is one line");
    if (config) check_config(*config);
    parse_listen_address(text);
    return 0;
}
