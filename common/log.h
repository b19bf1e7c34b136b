// log.h - one line per event on stderr: time, level, event, then key=value fields.
// Thread-safe: a line is written with a single write(2), so lines never interleave.
// When stderr is systemd's journal (JOURNAL_STREAM names it), the time gives way to a "<N>" syslog
// priority: the journal keeps its own timestamp and reads the priority from the prefix.
#pragma once

#include <sys/types.h>

#include <sstream>
#include <string>
#include <string_view>

enum class LogLevel { debug, info, warn, error };

// Lowest level that is printed; set once at start-up.
void set_log_level(LogLevel level);

// JOURNAL_STREAM's "DEVICE:INODE" (may be null) names the file of `device` and `inode`.
bool journal_stream_matches(const char* journal_stream, dev_t device, ino_t inode);

// Builds one log line and prints it when the statement ends:
//   LogLine(LogLevel::info, "client_connected").kv("stream", path).kv("client", addr);
class LogLine {
public:
    LogLine(LogLevel level, std::string_view event);
    ~LogLine();
    LogLine(const LogLine&) = delete;
    LogLine& operator=(const LogLine&) = delete;

    LogLine& kv(std::string_view key, std::string_view value);
    LogLine& kv(std::string_view key, const std::string& value) { return kv(key, std::string_view(value)); }
    LogLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
    template <typename T>
    LogLine& kv(std::string_view key, const T& value) {
        std::ostringstream s;
        s << value;
        return kv(key, std::string_view(s.str()));
    }

private:
    LogLevel level_;
    bool enabled_;
    std::string line_;
};
