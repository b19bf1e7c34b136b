// utc_time.h - wall-clock times as text, in the one form every log and the access log use.
// Pure; any thread.
#pragma once

#include <chrono>
#include <string>

// ISO 8601 in UTC with milliseconds, "2026-11-26T09:05:01.042Z": sorts as text and reads the same
// on every host whatever its time zone.
std::string iso8601_utc(std::chrono::system_clock::time_point time);
