// main.cpp - bin/server: acts on the command line; configuration, signals, and the start and stop order.
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "common/config/config.h"
#include "common/config/link_signer.h"
#include "common/log.h"
#include "server/service/process_limits.h"
#include "server/service/command_line.h"
#include "server/service/service.h"
#include "server/service/systemd_notify.h"

namespace {
constexpr const char* kVersion = "0.1.0";

// --hash-password: the hash of the password on stdin's first line, for a userlist entry.
int print_password_hash() {
    std::string password;
    std::getline(std::cin, password);
    const std::string hash = make_password_hash(password);
    if (password.empty() || hash.empty()) {
        std::fprintf(stderr, "server: %s\n", password.empty() ? "empty password" : "cannot hash");
        return 2;
    }
    std::printf("%s\n", hash.c_str());
    return 0;
}

// --sign-url: the URL signed for its resource, valid for the given seconds from now.
int print_signed_url(const ServerCommandLine& command, const Config& config) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const int64_t expires = std::chrono::duration_cast<std::chrono::seconds>(now).count() + command.expires_s;
    Parsed<std::string> signed_url = sign_url(config, command.sign_url, expires, command.client);
    if (!signed_url) {
        std::fprintf(stderr, "server: %s\n", signed_url.error().c_str());
        return 2;
    }
    std::printf("%s\n", signed_url->c_str());
    return 0;
}

// Loads the config, printing its warnings; nullopt after printing the error.
std::optional<Config> load(const std::string& path) {
    std::vector<std::string> warnings;
    Parsed<Config> loaded = load_config_file(path, warnings);
    for (const auto& warning : warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().c_str());
        return std::nullopt;
    }
    return std::move(*loaded);
}

// SIGINT, SIGTERM, SIGHUP and SIGUSR1 are taken by sigwait() in main; every thread inherits the blocked mask.
sigset_t block_handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

// Serves until SIGINT or SIGTERM; SIGHUP reloads CONFIG, SIGUSR1 drains. Returns the exit status.
int serve(const std::string& config_path, Config config) {
    // Large chunks (an upstream read of up to `inputbuffer` packets) must go back to the system when freed. glibc raises
    // its mmap threshold after such frees and then keeps them in per-thread arenas: with hundreds
    // of viewer threads that was hundreds of MiB of RSS. A fixed threshold keeps them mmap()ed.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    const sigset_t signals = block_handled_signals();
    // OpenSSL writes to https upstreams with write(), not send(MSG_NOSIGNAL): a server that hung up
    // must give EPIPE, not end the process. (httplib ignores SIGPIPE too, but only once the
    // frontend exists, after the readers have started.)
    std::signal(SIGPIPE, SIG_IGN);
    LogLine(LogLevel::info, "starting").kv("version", kVersion).kv("config", config_path).kv("streams", config.streams().size());
    raise_open_files_limit();
    use_global_futex_hash();

    Service service(config_path);
    std::string error;
    switch (service.start(std::make_shared<const Config>(std::move(config)), error)) {
    case Service::StartResult::ok: break;
    case Service::StartResult::bad_config:
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), error.c_str());
        return 2;
    case Service::StartResult::cannot_listen:
        LogLine(LogLevel::error, "listen_failed").kv("reason", error);
        return 1;
    }
    LogLine(LogLevel::info, "listening").kv("address", service.address());
    SystemdNotifier systemd(service.address(), [&service] { return service.status(); });
    systemd.ready();

    for (;;) {
        int signal = 0;
        sigwait(&signals, &signal);
        if (signal == SIGUSR1) {
            // A second SIGUSR1 keeps the first deadline; only the log says so.
            if (!service.drain()) LogLine(LogLevel::warn, "drain_refused").kv("reason", "already draining");
            continue;
        }
        if (signal != SIGHUP) {
            LogLine(LogLevel::info, "stopping").kv("signal", strsignal(signal));
            break;
        }
        LogLine(LogLevel::info, "reloading").kv("config", config_path).kv("signal", strsignal(signal));
        systemd.reloading();
        service.reload(error);  // logs the outcome; a bad file keeps the running configuration
        systemd.ready();
    }
    systemd.stopping();
    service.stop();
    LogLine(LogLevel::info, "stopped");
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    const ServerCommandLine command = parse_server_command_line(argc, argv);
    switch (command.action) {
    case ServerCommandLine::Action::help: print_server_usage(stdout); return 0;
    case ServerCommandLine::Action::version: std::printf("restreamer-cpp %s\n", kVersion); return 0;
    case ServerCommandLine::Action::hash_password: return print_password_hash();
    case ServerCommandLine::Action::usage_error:
        std::fprintf(stderr, "server: %s\n", command.error.c_str());
        if (command.show_usage) print_server_usage(stderr);
        return 2;
    case ServerCommandLine::Action::check_config:
    case ServerCommandLine::Action::sign_url:
    case ServerCommandLine::Action::serve: break;
    }
    std::optional<Config> config = load(command.config_path);
    if (!config) return 2;
    if (command.action == ServerCommandLine::Action::sign_url) return print_signed_url(command, *config);
    if (command.action == ServerCommandLine::Action::check_config) {
        std::printf("%s: ok\n", command.config_path.c_str());
        return 0;
    }
    return serve(command.config_path, std::move(*config));
}
