// playout.h - Playout: what every client of bin/source plays (the file's packets and how to pace
// them), built once at start-up by the main thread and read-only afterwards, by every client thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

enum class Pacing { pcr, bitrate, unpaced };

const char* to_string(Pacing pacing);

struct Playout {
    std::string path;                  // the one URL path that serves the stream
    std::vector<uint8_t> packets;      // the file's whole, aligned packets
    uint64_t loop_duration_90khz = 0;  // timestamp advance per pass (TsLooper)
    Pacing pacing = Pacing::pcr;
    uint64_t bitrate_bps = 0;          // bitrate: the rate; pcr: for stretches without PCR (0 = unknown)
};

// Reads `file`'s whole packets (resynchronised past garbage) and chooses the rates: `pacing` as asked,
// `bitrate_bps` for Pacing::bitrate. A file without PCR is paced by its PES timestamps instead. Logs
// file_loaded, or file_error with the reason and gives nullopt.
std::optional<Playout> load_playout(const std::string& file, const std::string& path, Pacing pacing,
                                    uint64_t bitrate_bps);
