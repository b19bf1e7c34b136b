// config_schema_failover.cpp - a stream's content-aware failover: the "failover" rules, "order"
// and "failback", and their checks against each other and the remotes.
#include "common/config/config_schema.h"

#include "common/text.h"

KeyReader::KeyTable ConfigSchema::failover_keys(Resource& resource) {
    FailoverConfig& f = resource.failover;
    return {
        {"failover", [this, &f](const Value& value, const std::string& path) {
             reader_.expect_object(value, path);
             reader_.read_members(value, path, {
                 {"cc_errors_per_s", reader_.into(f.cc_errors_per_s)},
                 {"min_bitrate", reader_.into(f.min_bitrate)},
                 {"require_video", reader_.into(f.require_video)},
                 {"after", reader_.into(f.after_s)},
             });
             if (!f.judges())
                 reader_.fail(path, "names no rule (cc_errors_per_s, min_bitrate or require_video)");
             if (f.after_s < 1 || f.after_s > 3600) reader_.fail(child_path(path, "after"), "must be 1 to 3600 (seconds)");
         }},
        {"order", [this, &f](const Value& value, const std::string& path) {
             const std::string order = reader_.read_string(value, path);
             if (order != "listed" && order != "random") reader_.fail(path, "unknown order " + quoted(order) + " (expected listed, random)");
             f.listed_order = order == "listed";
         }},
        {"failback", [this, &f](const Value& value, const std::string& path) {
             f.failback_s = reader_.read_uint(value, path);
             if (f.failback_s < 1 || f.failback_s > 86400) reader_.fail(path, "must be 1 to 86400 (seconds)");
         }},
    };
}

void ConfigSchema::check_failover(const Resource& resource, const std::string& path) const {
    const FailoverConfig& f = resource.failover;
    if (f.failback_s == 0) return;
    if (!f.listed_order) reader_.fail(child_path(path, "failback"), "needs \"order\": \"listed\" (the first remote is the primary)");
    if (resource.remotes.size() < 2) reader_.fail(child_path(path, "failback"), "needs a backup remote besides the primary");
}
