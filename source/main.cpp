// main.cpp - bin/source: serves one TS file over HTTP in a loop, paced in real time, to every client.
// Acts on the command line, loads the file, then hands the listener to SourceServer.
#include <signal.h>
#include <sys/signalfd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "common/log.h"
#include "common/net/unique_fd.h"
#include "source/command_line.h"
#include "source/playout.h"
#include "source/source_server.h"

namespace {
constexpr const char* kVersion = "restreamer source 0.1.0";
constexpr int kExitUsage = 2;
}  // namespace

int main(int argc, char** argv) {
    const SourceCommandLine command = parse_source_command_line(argc, argv);
    switch (command.action) {
    case SourceCommandLine::Action::help: std::fputs(kSourceUsage, stdout); return 0;
    case SourceCommandLine::Action::version: std::printf("%s\n", kVersion); return 0;
    case SourceCommandLine::Action::usage_error:
        std::fprintf(stderr, "source: %s\n%s", command.error.c_str(), kSourceUsage);
        return kExitUsage;
    case SourceCommandLine::Action::run: break;
    }
    const SourceOptions& options = command.options;
    const std::optional<Playout> playout = load_playout(options.file, options.path, options.pacing, options.bitrate_bps);
    if (!playout) return kExitUsage;

    // Blocked before any thread starts, so every thread inherits the mask and only the signalfd sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));

    std::string bound;
    std::string error;
    UniqueFd listener = open_listener(options.listen, bound, error);
    if (!listener || !signal_fd) {
        LogLine(LogLevel::error, "listen_failed").kv("address", options.listen).kv("reason", error);
        return kExitUsage;
    }
    LogLine(LogLevel::info, "listening").kv("address", bound).kv("path", options.path);

    SourceServer server(std::move(listener), *playout);
    server.run(signal_fd.get());
    return 0;
}
