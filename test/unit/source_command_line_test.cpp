// source_command_line_test.cpp - bin/source's arguments: defaults, both value forms, pacing, errors.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "argv.h"
#include "source/command_line.h"

using Action = SourceCommandLine::Action;

namespace {
SourceCommandLine parse(std::initializer_list<const char*> args) {
    const auto argv = argv_of("source", args);
    return parse_source_command_line(static_cast<int>(argv.size()), argv.data());
}
std::string error_of(std::initializer_list<const char*> args) {
    const SourceCommandLine command = parse(args);
    CHECK(command.action == Action::usage_error);
    return command.error;
}
}  // namespace

TEST_CASE("source command line: FILE alone takes the defaults, paced by PCR", "[command_line]") {
    const SourceCommandLine command = parse({"in.ts"});
    REQUIRE(command.action == Action::run);
    CHECK(command.options.file == "in.ts");
    CHECK(command.options.listen == "localhost:10000");
    CHECK(command.options.path == "/stream.ts");
    CHECK(command.options.pacing == Pacing::pcr);
    CHECK(parse({"-"}).options.file == "-");  // a lone dash is a file name, not an option
}

TEST_CASE("source command line: values follow as the next argument or after '='", "[command_line]") {
    const SourceCommandLine spaced = parse({"--listen", "[::1]:0", "--path", "/tv.ts", "in.ts"});
    const SourceCommandLine joined = parse({"in.ts", "--listen=[::1]:0", "--path=/tv.ts"});
    for (const SourceCommandLine& command : {spaced, joined}) {
        REQUIRE(command.action == Action::run);
        CHECK(command.options.listen == "[::1]:0");
        CHECK(command.options.path == "/tv.ts");
        CHECK(command.options.file == "in.ts");
    }
}

TEST_CASE("source command line: --bitrate with k and M suffixes, or --unpaced", "[command_line]") {
    CHECK(parse({"--bitrate", "8M", "in.ts"}).options.bitrate_bps == 8000000);
    CHECK(parse({"--bitrate=1500k", "in.ts"}).options.bitrate_bps == 1500000);
    CHECK(parse({"--bitrate=2.5K", "in.ts"}).options.bitrate_bps == 2500);
    CHECK(parse({"--bitrate", "1000", "in.ts"}).options.pacing == Pacing::bitrate);
    CHECK(parse({"--unpaced", "in.ts"}).options.pacing == Pacing::unpaced);
    CHECK(error_of({"--bitrate", "999", "in.ts"}) == "--bitrate: not a bitrate in bits per second: 999");
    CHECK(error_of({"--bitrate", "8G", "in.ts"}) == "--bitrate: not a bitrate in bits per second: 8G");
    CHECK(error_of({"--bitrate=fast", "in.ts"}) == "--bitrate: not a bitrate in bits per second: fast");
    CHECK(error_of({"--unpaced", "--bitrate", "8M", "in.ts"}) == "--unpaced and --bitrate exclude each other");
}

TEST_CASE("source command line: usage errors name what is wrong", "[command_line]") {
    CHECK(error_of({}) == "FILE is missing");
    CHECK(error_of({"a.ts", "b.ts"}) == "only one FILE may be given");
    CHECK(error_of({"--path", "tv.ts", "in.ts"}) == "--path must start with '/'");
    CHECK(error_of({"--path=", "in.ts"}) == "--path must start with '/'");
    CHECK(error_of({"in.ts", "--listen"}) == "--listen needs a value");
    CHECK(error_of({"--loop", "in.ts"}) == "unknown option --loop");
    CHECK(error_of({"--loop=3", "in.ts"}) == "unknown option --loop");
}

TEST_CASE("source command line: --help and --version decide at once", "[command_line]") {
    CHECK(parse({"--help"}).action == Action::help);
    CHECK(parse({"-h", "--bogus"}).action == Action::help);
    CHECK(parse({"--version"}).action == Action::version);
    CHECK(parse({"--bogus", "--help"}).action == Action::usage_error);
}
