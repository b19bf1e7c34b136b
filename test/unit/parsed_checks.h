// parsed_checks.h - Catch2 checks on a Parsed<T>, shared by the tests of the parsers in common/.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "common/parsed.h"

// The value of a parse of `input` that must succeed; the failure message shows the parser's error.
template <typename T>
T value_of(Parsed<T> parsed, std::string_view input) {
    INFO(input << " -> " << parsed.error());
    REQUIRE(parsed);
    CHECK(parsed.error().empty());
    return std::move(*parsed);
}

// The error of a parse of `input` that must fail.
template <typename T>
std::string error_of(const Parsed<T>& parsed, std::string_view input) {
    INFO(input);
    CHECK_FALSE(parsed);
    return parsed.error();
}
