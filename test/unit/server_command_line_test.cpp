// server_command_line_test.cpp - bin/server's arguments: every form, and which argument decides.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "argv.h"
#include "server/service/command_line.h"

using Action = ServerCommandLine::Action;

namespace {
ServerCommandLine parse(std::initializer_list<const char*> args) {
    const auto argv = argv_of("server", args);
    return parse_server_command_line(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("server command line: CONFIG is served, server.json by default", "[command_line]") {
    CHECK(parse({}).action == Action::serve);
    CHECK(parse({}).config_path == "server.json");
    CHECK(parse({"tv.json"}).config_path == "tv.json");
    CHECK(parse({"a.json", "b.json"}).config_path == "b.json");
}

TEST_CASE("server command line: --check-config takes the file after it", "[command_line]") {
    const ServerCommandLine check = parse({"--check-config", "tv.json"});
    CHECK(check.action == Action::check_config);
    CHECK(check.config_path == "tv.json");
    // A later CONFIG is still only checked.
    CHECK(parse({"--check-config", "a.json", "b.json"}).action == Action::check_config);
    CHECK(parse({"--check-config", "a.json", "b.json"}).config_path == "b.json");

    const ServerCommandLine missing = parse({"--check-config"});
    CHECK(missing.action == Action::usage_error);
    CHECK(missing.error == "--check-config needs a file");
    CHECK_FALSE(missing.show_usage);
}

TEST_CASE("server command line: help, version and --hash-password decide at once", "[command_line]") {
    CHECK(parse({"--help"}).action == Action::help);
    CHECK(parse({"-h"}).action == Action::help);
    CHECK(parse({"--version"}).action == Action::version);
    CHECK(parse({"--hash-password"}).action == Action::hash_password);
    CHECK(parse({"--help", "--bogus"}).action == Action::help);  // later arguments are not read
    CHECK(parse({"--bogus", "--help"}).action == Action::usage_error);
}

TEST_CASE("server command line: an unknown option is an error followed by the usage", "[command_line]") {
    const ServerCommandLine unknown = parse({"--port", "80"});
    CHECK(unknown.action == Action::usage_error);
    CHECK(unknown.error == "unknown option --port");
    CHECK(unknown.show_usage);
    CHECK(parse({"-"}).error == "unknown option -");
}

TEST_CASE("server command line: --sign-url with --expires, --client and CONFIG", "[command_line]") {
    const ServerCommandLine sign = parse({"--sign-url", "http://h/tv.ts", "--expires", "60", "--client", "10.0.0.1", "tv.json"});
    CHECK(sign.action == Action::sign_url);
    CHECK(sign.sign_url == "http://h/tv.ts");
    CHECK(sign.expires_s == 60);
    CHECK(sign.client == "10.0.0.1");
    CHECK(sign.config_path == "tv.json");
    CHECK(parse({"--expires", "5", "--sign-url", "/a"}).action == Action::sign_url);
    CHECK(parse({"--sign-url", "/a"}).error == "--sign-url needs --expires SECONDS");
    CHECK(parse({"--sign-url", "/a", "--expires", "-1"}).error == "--expires needs a number of seconds, not \"-1\"");
    CHECK(parse({"--sign-url"}).error == "--sign-url needs a value");
}
