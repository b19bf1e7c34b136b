// config_schema_failover.cpp - a stream's "failover" object (content-aware failover) and "order".
#include "common/config/config_schema.h"

#include "common/text.h"

FailoverConfig ConfigSchema::read_failover(const Value& value, const std::string& path) {
    reader_.expect_object(value, path);
    FailoverConfig failover;
    reader_.read_members(value, path, {
        {"cc_errors_per_s", [&](const Value& v, const std::string& p) { failover.cc_errors_per_s = reader_.read_number(v, p); }},
        {"min_bitrate", [&](const Value& v, const std::string& p) { failover.min_bitrate = reader_.read_uint(v, p); }},
        {"require_video", reader_.into(failover.require_video)},
        {"after", reader_.into(failover.after_s)},
    });
    if (failover.cc_errors_per_s < 0) reader_.fail(child_path(path, "cc_errors_per_s"), "must be 0 or more");
    // Under a second the once-a-second samples cannot tell; past an hour it is no failover.
    if (failover.after_s < 1 || failover.after_s > 3600) reader_.fail(child_path(path, "after"), "must be 1 to 3600 (seconds)");
    if (failover.cc_errors_per_s == 0 && failover.min_bitrate == 0 && !failover.require_video)
        reader_.fail(path, "checks nothing: set cc_errors_per_s, min_bitrate or require_video");
    return failover;
}

bool ConfigSchema::read_order(const Value& value, const std::string& path) const {
    const std::string order = reader_.read_string(value, path);
    if (order != "random" && order != "listed") reader_.fail(path, "expected \"random\" or \"listed\", not " + quoted(order));
    return order == "listed";
}
