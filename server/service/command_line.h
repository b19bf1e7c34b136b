// command_line.h - bin/server's arguments. Parsing only reads argv, so that a test can check every
// form; main() acts on the result, prints and exits. Main thread only.
#pragma once

#include <cstdio>
#include <string>

struct ServerCommandLine {
    enum class Action { serve, check_config, hash_password, sign_url, help, version, usage_error };
    Action action = Action::serve;
    std::string config_path = "server.json";  // serve, check_config
    std::string error;                        // usage_error: printed as "server: ERROR"
    bool show_usage = false;                  // usage_error: the usage follows the error
    std::string sign_url;                     // sign_url: the URL to sign
    long long expires_s = -1;                 // sign_url: valid for this many seconds from now
    std::string client;                       // sign_url: the $remote_addr it is signed for
};

// The first of --help, --version and --hash-password decides at once, as do errors; later
// arguments are not read. A later CONFIG or --check-config replaces an earlier one.
ServerCommandLine parse_server_command_line(int argc, const char* const* argv);

void print_server_usage(FILE* out);
