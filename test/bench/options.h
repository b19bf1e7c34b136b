// options.h - bin/bench's command line: which steps to run, how big, how many times. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

struct Options {
    unsigned runs = 3;                             // each figure is the median over the runs
    std::vector<std::size_t> clients{1000, 2000};  // steady-arrival steps of the main stream
    double rate = 1000;                            // their arrivals per second; 0: all at once
    double seconds = 10;                           // their measurement window
    double settle = 2;                             // between a ramp's end and its window
    std::size_t storm = 1000;                      // join storm of the main stream; 0: none
    std::size_t many = 5000;                       // viewers of the low-rate stream; 0: none
    double many_rate = 500;
    double many_seconds = 15;
    std::size_t hls = 1000;                        // HLS players of the main stream; 0: none
    double hls_rate = 1000;                        // their arrivals per second
    double edge_seconds = 8;                       // live-edge window with no other viewer; 0: none
    unsigned threads = 2;                          // load-client threads
    std::string stream = "build/media/bench.ts";
    std::string low_stream = "build/media/bench-1mbit.ts";
    std::string bin_dir = "bin";
    std::string work_dir = "build/bench";
    bool floor = true;
    std::optional<double> phase_ms;                // ramps start this long after a live keyframe
    // Program outputs: this many viewers spread over the programs of `mpts_stream` (?program=1..N),
    // against as many of the unfiltered `stream`; 0: none.
    std::size_t programs = 0;
    unsigned mpts_programs = 5;
    std::string mpts_stream = "build/media/bench-mpts.ts";
};

extern const char* const kUsage;

// Fills `o` from argv; false with `error` on a bad or unknown option.
bool parse_options(int argc, char** argv, Options& o, std::string& error);
