// link_signer.cpp - finds the resource of a URL and signs the URL as that resource will check it.
#include "common/config/link_signer.h"

#include "common/net/url.h"
#include "common/text.h"

const Resource* resource_serving(const Config& config, const std::string& path) {
    const Resource* relay = nullptr;
    const std::string directory = path.substr(0, path.rfind('/') + 1);
    for (const Resource& resource : config.resources) {
        if (resource.serve == path) return &resource;
        if (resource.hls && resource.hls->serve == directory) return &resource;
        if (resource.type == Resource::Type::relay && path.compare(0, resource.serve.size(), resource.serve) == 0 &&
            (!relay || resource.serve.size() > relay->serve.size()))
            relay = &resource;
    }
    return relay;
}

Parsed<std::string> sign_url(const Config& config, std::string_view url, int64_t expires, const std::string& client) {
    // The path starts at the first '/' after "scheme://host", or at the start of a bare path.
    const size_t scheme = url.find("://");
    const size_t path_start = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    if (path_start == std::string_view::npos) return ParseError{"no path in " + quoted(url)};
    const size_t mark = url.find('?', path_start);
    const std::string_view raw_path = url.substr(path_start, mark == std::string_view::npos ? std::string_view::npos : mark - path_start);
    const std::string args(mark == std::string_view::npos ? std::string_view() : url.substr(mark + 1));
    const std::optional<std::string> path = percent_decode(raw_path);
    if (!path) return ParseError{"malformed path " + quoted(raw_path)};

    const Resource* resource = resource_serving(config, *path);
    if (!resource) return ParseError{"no resource serves " + quoted(*path)};
    if (resource->auth.type != AuthPolicy::Type::securelink)
        return ParseError{"the resource " + quoted(resource->serve) + " has no securelink authentication (no secret to sign with)"};
    const SecureLinkPolicy& link = resource->auth.securelink;
    if (client.empty() && to_lower(link.expression).find("remote_addr") != std::string::npos)
        return ParseError{"the expression of " + quoted(resource->serve) + " uses $remote_addr: give --client ADDR"};
    const std::string query = secure_link_query(link, SecureLinkRequest{nginx_uri(*path), client, args}, expires);
    return std::string(url) + (args.empty() ? (mark == std::string_view::npos ? "?" : "") : "&") + query;
}
