// phase_probe.h - finds where in the GOP the live stream is, so that a step's ramp can start at a
// chosen point of it: with fast start, what every joiner is sent grows from one keyframe to the next
// (0.1 to 1.8 MB on the bench stream), and join-storm latencies follow it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

// Opens one more viewer of http://host:port/path and returns once a live video keyframe reaches it:
// the second keyframe it sees, since a fast-start server sends a cached one first. The time is the
// viewer's, so it can be up to one of the server's batches later. Returns why it failed, if it did.
std::optional<std::string> wait_for_live_keyframe(const std::string& host, uint16_t port, const std::string& path,
                                                  std::chrono::milliseconds timeout);
