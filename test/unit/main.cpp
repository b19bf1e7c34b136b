// main.cpp - the Catch2 runner for all unit tests; the test cases live in the other *_test.cpp files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
