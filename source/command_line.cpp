// command_line.cpp - parsing bin/source's arguments into a SourceCommandLine, and its usage text. Main thread only.
#include "source/command_line.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

const char* const kSourceUsage =
    "usage: source [--listen HOST:PORT] [--path /stream.ts] [--unpaced | --bitrate BITS_PER_S] FILE\n"
    "Serves FILE (MPEG-TS) over HTTP in a loop, as one continuous live channel, to every client.\n"
    "  --listen HOST:PORT   address to listen on (default localhost:10000; [::1]:PORT for IPv6; port 0 = any)\n"
    "  --path PATH          URL path of the stream (default /stream.ts)\n"
    "  --bitrate BITS_PER_S send at this constant rate instead of the file's PCR (suffix k, M allowed)\n"
    "  --unpaced            send as fast as the client reads\n"
    "  --help, --version\n";

namespace {

std::optional<uint64_t> parse_bitrate(const std::string& text) {
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || errno != 0) return std::nullopt;
    std::string suffix(end);
    if (suffix == "k" || suffix == "K") value *= 1e3;
    else if (suffix == "M") value *= 1e6;
    else if (!suffix.empty()) return std::nullopt;
    if (!(value >= 1000 && value <= 1e11)) return std::nullopt;
    return static_cast<uint64_t>(value);
}

// The rules between arguments, once all are read; empty when they hold.
std::string check_options(SourceOptions& options, bool bitrate_given) {
    if (options.file.empty()) return "FILE is missing";
    if (options.path.empty() || options.path[0] != '/') return "--path must start with '/'";
    if (bitrate_given && options.pacing == Pacing::unpaced) return "--unpaced and --bitrate exclude each other";
    if (bitrate_given) options.pacing = Pacing::bitrate;
    return "";
}

}  // namespace

SourceCommandLine parse_source_command_line(int argc, const char* const* argv) {
    SourceCommandLine command;
    SourceOptions& options = command.options;
    auto stop = [&command](SourceCommandLine::Action action, std::string error = "") {
        command.action = action;
        command.error = std::move(error);
        return command;
    };
    bool bitrate_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        const std::size_t eq = arg.find('=');
        const bool has_inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
        if (has_inline_value) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        if (arg == "--help" || arg == "-h") return stop(SourceCommandLine::Action::help);
        if (arg == "--version") return stop(SourceCommandLine::Action::version);
        if (arg == "--unpaced") {
            options.pacing = Pacing::unpaced;
        } else if (arg == "--listen" || arg == "--path" || arg == "--bitrate") {
            if (!has_inline_value) {
                if (i + 1 >= argc) return stop(SourceCommandLine::Action::usage_error, arg + " needs a value");
                value = argv[++i];
            }
            if (arg == "--listen") options.listen = value;
            if (arg == "--path") options.path = value;
            if (arg == "--bitrate") {
                const auto rate = parse_bitrate(value);
                if (!rate)
                    return stop(SourceCommandLine::Action::usage_error,
                                "--bitrate: not a bitrate in bits per second: " + value);
                options.bitrate_bps = *rate;
                bitrate_given = true;
            }
        } else if (arg.rfind("-", 0) == 0 && arg != "-") {
            return stop(SourceCommandLine::Action::usage_error, "unknown option " + arg);
        } else if (options.file.empty()) {
            options.file = arg;
        } else {
            return stop(SourceCommandLine::Action::usage_error, "only one FILE may be given");
        }
    }
    std::string error = check_options(options, bitrate_given);
    if (!error.empty()) return stop(SourceCommandLine::Action::usage_error, std::move(error));
    return command;
}
