// config_failover_test.cpp - a stream's "failover", "order" and "failback": values, defaults, the
// one-line errors for bad ones, and Resource equality (a change restarts the stream on reload).
#include <catch2/catch.hpp>

#include "test/unit/config_test_support.h"

using namespace config_test;

namespace {
std::string with_two_remotes(const std::string& members) {
    return R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remotes": ["http://h/a.ts", "http://b/a.ts"], )json" +
           members + "}]}";
}
}  // namespace

TEST_CASE("Config: failover rules, order and failback", "[config][failover]") {
    const FailoverConfig none = parse_ok(with_stream("")).resources[0].failover;
    CHECK_FALSE(none.judges());
    CHECK_FALSE(none.listed_order);
    CHECK(none.failback_s == 0);
    const FailoverConfig f = parse_ok(with_two_remotes(
        R"json("failover": {"cc_errors_per_s": 50, "min_bitrate": 500000, "require_video": true, "after": 4},
               "order": "listed", "failback": 30)json")).resources[0].failover;
    CHECK(f.cc_errors_per_s == 50);
    CHECK(f.min_bitrate == 500000);
    CHECK(f.require_video);
    CHECK(f.after_s == 4);
    CHECK(f.listed_order);
    CHECK(f.failback_s == 30);
    CHECK(parse_ok(with_stream(R"json("failover": {"require_video": true})json")).resources[0].failover.after_s == 3);
    CHECK_FALSE(parse_ok(with_stream(R"json("order": "random")json")).resources[0].failover.listed_order);
    CHECK(parse_ok(with_stream(R"json("failover": {"min_bitrate": 1})json")).resources[0] !=
          parse_ok(with_stream(R"json("failover": {"min_bitrate": 2})json")).resources[0]);
}

TEST_CASE("Config: bad failover settings are one-line errors", "[config][failover]") {
    CHECK(error_of(with_stream(R"json("failover": {})json")) ==
          "server.json: resources[0].failover: names no rule (cc_errors_per_s, min_bitrate or require_video)");
    CHECK(error_of(with_stream(R"json("failover": {"require_video": true, "after": 0})json")) ==
          "server.json: resources[0].failover.after: must be 1 to 3600 (seconds)");
    CHECK(parse(with_stream(R"json("failover": {"require_video": true, "later": 1})json")).warnings ==
          std::vector<std::string>{"server.json: resources[0].failover.later: unknown key, ignored"});
    CHECK(error_of(with_stream(R"json("failover": true)json")) == "server.json: resources[0].failover: expected an object");
    CHECK(error_of(with_stream(R"json("order": "fastest")json")) ==
          "server.json: resources[0].order: unknown order \"fastest\" (expected listed, random)");
    CHECK(error_of(with_two_remotes(R"json("failback": 10)json")) ==
          "server.json: resources[0].failback: needs \"order\": \"listed\" (the first remote is the primary)");
    CHECK(error_of(with_stream(R"json("order": "listed", "failback": 10)json")) ==
          "server.json: resources[0].failback: needs a backup remote besides the primary");
    CHECK(error_of(with_two_remotes(R"json("order": "listed", "failback": 0)json")) ==
          "server.json: resources[0].failback: must be 1 to 86400 (seconds)");
}
