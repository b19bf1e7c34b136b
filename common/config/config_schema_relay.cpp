// config_schema_relay.cpp - the keys of a relay resource (groups, iface, ifacequery, maxgroups) and
// their checks: a relay joins whatever group a URL names inside `groups`, so the file must make
// that set exactly what the operator meant, and a bad entry stops the server instead of widening it.
#include "common/config/config_schema.h"

#include "common/text.h"

KeyReader::KeyTable ConfigSchema::relay_keys(Resource& resource) {
    return {
        // Only multicast: a unicast prefix would let a URL point the relay at any host's port.
        {"groups", [this, &resource](const Value& value, const std::string& path) {
             std::vector<Cidr> groups = read_cidr_list(value, path);
             for (size_t i = 0; i < groups.size(); ++i) {
                 if (!is_multicast(groups[i])) reader_.fail(index_path(path, i), groups[i].text + " is not a multicast prefix");
             }
             resource.relay.groups = std::move(groups);
         }},
        {"iface", [this, &resource](const Value& value, const std::string& path) {
             resource.relay.iface = reader_.read_string(value, path);
             if (!is_interface_name(resource.relay.iface)) {
                 reader_.fail(path, "invalid interface name " + quoted(one_line(resource.relay.iface)) +
                                        " (1 to 15 characters, without spaces or any of /:%&#?=)");
             }
         }},
        {"ifacequery", reader_.into(resource.relay.iface_query)},
        {"maxgroups", [this, &resource](const Value& value, const std::string& path) {
             resource.maxgroups = reader_.read_uint(value, path);
             if (resource.maxgroups == 0) reader_.fail(path, "must be at least 1");
         }},
    };
}

// The path is a prefix: the URL's /udp/GROUP:PORT follows it. Paths of other resources may lie
// under it; an exact path wins over a relay's prefix.
void ConfigSchema::check_relay(const Resource& resource, const std::string& path) const {
    if (resource.serve.back() != '/') reader_.fail(child_path(path, "serve"), "a relay's path is a prefix and must end with '/'");
    if (resource.relay.groups.empty()) {
        reader_.fail(path, "a relay needs \"groups\" (multicast prefixes such as \"239.0.0.0/8\")");
    }
}
