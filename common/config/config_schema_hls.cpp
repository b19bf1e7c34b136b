// config_schema_hls.cpp - a stream's "hls" object (serve, segment, window) and its checks: the
// prefix must be a path of its own, since every URL under it is the HLS output's.
#include "common/config/config_schema.h"

#include "common/text.h"

HlsConfig ConfigSchema::read_hls(const Value& value, const std::string& path) {
    reader_.expect_object(value, path);
    HlsConfig hls;
    std::optional<std::string> serve;
    reader_.read_members(value, path, {
        {"serve", reader_.into(serve)},
        {"segment", reader_.into(hls.segment_s)},
        {"window", reader_.into(hls.window)},
        // Ours: CORS for players on other origins (hls.js fetches the playlist and segments itself).
        {"cors", [&](const Value& v, const std::string& p) { hls.cors = read_cors(v, p); }},
    });
    if (!serve) reader_.fail(child_path(path, "serve"), "missing");
    if (serve->size() < 2 || serve->front() != '/' || serve->back() != '/')
        reader_.fail(child_path(path, "serve"), "must be a prefix that starts and ends with '/' (e.g. \"/ch1/\")");
    hls.serve = *serve;
    // Past 30 s a live edge is minutes behind; below 1 s EXT-X-TARGETDURATION (whole seconds) cannot say it.
    if (hls.segment_s < 1 || hls.segment_s > 30) reader_.fail(child_path(path, "segment"), "must be 1 to 30 (seconds)");
    // RFC 8216 section 6.2.2: a live playlist lists at least three target durations; 2 x 2 segments do.
    if (hls.window < 2 || hls.window > 100) reader_.fail(child_path(path, "window"), "must be 2 to 100 (segments)");
    return hls;
}

// "*", or a list of origins ("https://player.example", "http://10.0.0.5:8080"), each sent back as
// written when a request's Origin matches it.
std::vector<std::string> ConfigSchema::read_cors(const Value& value, const std::string& path) const {
    std::vector<std::string> origins = value.IsString() ? std::vector<std::string>{reader_.read_string(value, path)}
                                                        : reader_.read_string_array(value, path);
    for (std::size_t i = 0; i < origins.size(); ++i) {
        const std::string& origin = origins[i];
        const std::size_t scheme = origin.find("://");
        const std::string rest = scheme == std::string::npos ? "" : origin.substr(scheme + 3);
        const bool is_origin = (origin.compare(0, 7, "http://") == 0 || origin.compare(0, 8, "https://") == 0) &&
                               !rest.empty() && rest.find_first_of("/ \t\"?#") == std::string::npos;
        if (origin == "*" ? origins.size() == 1 : is_origin) continue;
        reader_.fail(value.IsString() ? path : index_path(path, i),
                     "expected \"*\" or origins such as \"https://player.example\" (scheme://host[:port])");
    }
    return origins;
}

// After every resource is read: no other path may lie under an HLS prefix.
void ConfigSchema::check_hls(const Config& config) const {
    for (std::size_t i = 0; i < config.resources.size(); ++i) {
        const Resource& resource = config.resources[i];
        if (!resource.hls) continue;
        const std::string hls_path = child_path(served_.at(resource.serve), "hls");
        const std::string& prefix = resource.hls->serve;
        for (const Resource& other : config.resources) {
            if (other.serve.compare(0, prefix.size(), prefix) == 0)
                reader_.fail(child_path(hls_path, "serve"), "prefix " + quoted(prefix) + " covers the path " + quoted(other.serve));
        }
    }
}
