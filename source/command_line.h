// command_line.h - bin/source's arguments. Parsing only reads argv, so that a test can check every
// form; main() acts on the result, prints and exits. Main thread only.
#pragma once

#include <cstdint>
#include <string>

#include "source/playout.h"

extern const char* const kSourceUsage;

struct SourceOptions {
    std::string listen = "localhost:10000";
    std::string path = "/stream.ts";
    Pacing pacing = Pacing::pcr;
    uint64_t bitrate_bps = 0;  // Pacing::bitrate
    std::string file;
};

struct SourceCommandLine {
    enum class Action { run, help, version, usage_error };
    Action action = Action::run;
    SourceOptions options;  // run
    std::string error;      // usage_error: printed as "source: ERROR", then kSourceUsage
};

// Options take their value as the next argument or after '=' (--path=/tv.ts). --help and --version
// decide at once, as does the first error; later arguments are not read.
SourceCommandLine parse_source_command_line(int argc, const char* const* argv);
