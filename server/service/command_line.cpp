// command_line.cpp - parsing bin/server's arguments into a ServerCommandLine. Main thread only.
#include "server/service/command_line.h"

ServerCommandLine parse_server_command_line(int argc, const char* const* argv) {
    ServerCommandLine command;
    auto stop = [&command](ServerCommandLine::Action action) {
        command.action = action;
        return command;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") return stop(ServerCommandLine::Action::help);
        if (arg == "--version") return stop(ServerCommandLine::Action::version);
        if (arg == "--hash-password") return stop(ServerCommandLine::Action::hash_password);
        if (arg == "--sign-url" || arg == "--expires" || arg == "--client") {
            if (i + 1 >= argc) {
                command.error = arg + " needs a value";
                return stop(ServerCommandLine::Action::usage_error);
            }
            const std::string value = argv[++i];
            if (arg == "--sign-url") command.action = ServerCommandLine::Action::sign_url, command.sign_url = value;
            else if (arg == "--client") command.client = value;
            else if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 12) {
                command.error = "--expires needs a number of seconds, not \"" + value + "\"";
                return stop(ServerCommandLine::Action::usage_error);
            } else command.expires_s = std::stoll(value);
        } else if (arg == "--check-config") {
            if (i + 1 >= argc) {
                command.error = "--check-config needs a file";
                return stop(ServerCommandLine::Action::usage_error);
            }
            command.action = ServerCommandLine::Action::check_config;
            command.config_path = argv[++i];
        } else if (!arg.empty() && arg[0] == '-') {
            command.error = "unknown option " + arg;
            command.show_usage = true;
            return stop(ServerCommandLine::Action::usage_error);
        } else {
            command.config_path = arg;
        }
    }
    if (command.action == ServerCommandLine::Action::sign_url && command.expires_s < 0) {
        command.error = "--sign-url needs --expires SECONDS";
        return stop(ServerCommandLine::Action::usage_error);
    }
    return command;
}

void print_server_usage(FILE* out) {
    std::fprintf(out,
                 "usage: server [CONFIG]                 serve the streams of CONFIG (default server.json)\n"
                 "       server --check-config CONFIG    validate CONFIG; exit 0 if valid, 2 if not\n"
                 "       server --hash-password          read a password on stdin, print its userlist \"hash\"\n"
                 "       server --sign-url URL --expires SECONDS [--client ADDR] [CONFIG]\n"
                 "                                       print URL signed for its securelink resource in CONFIG\n"
                 "       server --help | --version\n");
}
