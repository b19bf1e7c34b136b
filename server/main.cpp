// main.cpp - bin/server: command line, configuration, signals, and the start and stop order.
#include <malloc.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <cstdio>
#include <cstring>
#include <pthread.h>

#include "common/config.h"
#include "common/log.h"
#include "http_frontend.h"
#include "stream.h"

namespace {
constexpr const char* kVersion = "0.1.0";

void print_usage(FILE* out) {
    std::fprintf(out,
                 "usage: server [CONFIG]                 serve the streams of CONFIG (default server.json)\n"
                 "       server --check-config CONFIG    validate CONFIG; exit 0 if valid, 2 if not\n"
                 "       server --help | --version\n");
}

// Loads the config, printing its warnings; nullopt after printing the error.
std::optional<Config> load(const std::string& path) {
    ConfigResult result = load_config_file(path);
    for (const auto& warning : result.warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    if (!result.config) std::fprintf(stderr, "%s\n", result.error.c_str());
    return result.config;
}

// The preamble file is read once; every viewer shares the same chunk.
ChunkRef load_preamble(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    auto chunk = std::make_shared<PacketChunk>();
    chunk->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return chunk;
}

// SIGINT and SIGTERM are taken by sigwait() in main; every thread inherits the blocked mask.
sigset_t block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}
}  // namespace

int main(int argc, char** argv) {
    std::string config_path = "server.json";
    bool check_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_usage(stdout);
            return 0;
        }
        if (arg == "--version") {
            std::printf("restreamer-cpp %s\n", kVersion);
            return 0;
        }
        if (arg == "--check-config") {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "server: --check-config needs a file\n");
                return 2;
            }
            check_only = true;
            config_path = argv[++i];
        } else if (!arg.empty() && arg[0] == '-') {
            std::fprintf(stderr, "server: unknown option %s\n", arg.c_str());
            print_usage(stderr);
            return 2;
        } else {
            config_path = arg;
        }
    }

    std::optional<Config> config = load(config_path);
    if (!config) return 2;
    if (check_only) {
        std::printf("%s: ok\n", config_path.c_str());
        return 0;
    }

    // Large write buffers (a fast-start burst) must go back to the system when freed. glibc raises
    // its mmap threshold after such frees and then keeps them in per-thread arenas: with hundreds
    // of viewer threads that was hundreds of MiB of RSS. A fixed threshold keeps them mmap()ed.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    const sigset_t stop_signals = block_stop_signals();
    // OpenSSL writes to https upstreams with write(), not send(MSG_NOSIGNAL): a server that hung up
    // must give EPIPE, not end the process. (httplib ignores SIGPIPE too, but only once the
    // frontend exists, after the readers have started.)
    std::signal(SIGPIPE, SIG_IGN);
    LogLine(LogLevel::info, "starting").kv("version", kVersion).kv("config", config_path).kv("streams", config->streams().size());

    StreamMap streams;
    for (const Resource* resource : config->streams()) {
        StreamSettings settings = StreamSettings::from_config(*resource, *config);
        if (!resource->preamble.empty()) {
            std::string error;
            settings.preamble = load_preamble(resource->preamble, error);
            if (!settings.preamble) {
                std::fprintf(stderr, "%s: %s: preamble: %s\n", config_path.c_str(), resource->serve.c_str(), error.c_str());
                return 2;
            }
        }
        streams.emplace(resource->serve, std::make_unique<Stream>(std::move(settings)));
    }
    for (auto& [path, stream] : streams) stream->start();

    HttpFrontend frontend(*config, streams);
    std::string error;
    if (!frontend.start(error)) {
        LogLine(LogLevel::error, "listen_failed").kv("reason", error);
        return 1;
    }
    LogLine(LogLevel::info, "listening").kv("address", frontend.address());

    int signal = 0;
    sigwait(&stop_signals, &signal);
    LogLine(LogLevel::info, "stopping").kv("signal", strsignal(signal));
    frontend.stop();
    for (auto& [path, stream] : streams) stream->stop();
    LogLine(LogLevel::info, "stopped");
    return 0;
}
