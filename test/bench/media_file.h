// media_file.h - what the bench learns from a TS file before bin/source plays it. Pure; any thread.
#pragma once

#include <optional>
#include <string>

// The file's rate by its own clock: the bytes from its first to its last PCR over the time between
// them, which is the rate bin/source paces it at. nullopt with `error` when it has fewer than two PCRs.
std::optional<double> ts_file_bitrate(const std::string& path, std::string& error);
