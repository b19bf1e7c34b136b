// config_test_support.h - what the config_*_test.cpp files share: parse a server.json text named
// "server.json" and look at its Config, its one-line error or its warnings.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "common/config/config.h"

namespace config_test {

// parse_config()'s two outputs together.
struct Outcome {
    Parsed<Config> config;
    std::vector<std::string> warnings;

    const std::string& error() const { return config.error(); }
};

inline Outcome parse(const std::string& json) {
    std::vector<std::string> warnings;
    Parsed<Config> config = parse_config(json, "server.json", warnings);
    return Outcome{std::move(config), std::move(warnings)};
}

inline Config parse_ok(const std::string& json) {
    Outcome result = parse(json);
    INFO(result.error());
    REQUIRE(result.config);
    CHECK(result.error().empty());
    return *result.config;
}

inline std::string error_of(const std::string& json) {
    Outcome result = parse(json);
    CHECK_FALSE(result.config);
    return result.error();
}

// One stream resource with the given extra members, for checking one key at a time.
inline std::string with_stream(const std::string& members) {
    return R"json({"resources": [{"type": "stream", "serve": "/a.ts", "remote": "http://h/a.ts")json" +
           std::string(members.empty() ? "" : ", ") + members + "}]}";
}

}  // namespace config_test
