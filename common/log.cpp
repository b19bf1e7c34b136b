// log.cpp - formatting and the single write(2) of a log line.
#include "common/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "common/text.h"
#include "common/utc_time.h"

namespace {
std::atomic<LogLevel> g_min_level{LogLevel::info};

const char* level_name(LogLevel level) {
    switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    }
    return "?";
}

// syslog(3) priorities: journald reads a leading "<N>" as the line's priority.
int syslog_priority(LogLevel level) {
    switch (level) {
    case LogLevel::debug: return 7;
    case LogLevel::info: return 6;
    case LogLevel::warn: return 4;
    case LogLevel::error: return 3;
    }
    return 6;
}

// Decided once: systemd sets JOURNAL_STREAM to the device and inode of the stream it connected
// stderr to; a child's redirected stderr no longer matches them.
bool stderr_is_journal() {
    static const bool journal = [] {
        struct stat st {};
        return ::fstat(STDERR_FILENO, &st) == 0 && journal_stream_matches(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
    }();
    return journal;
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || c == '"' || c == '=' || u < 0x20 || u == 0x7f) return true;
    }
    return false;
}
}  // namespace

void set_log_level(LogLevel level) { g_min_level = level; }

bool journal_stream_matches(const char* journal_stream, dev_t device, ino_t inode) {
    if (journal_stream == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    char extra = 0;
    return std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &extra) == 2 && dev == device && ino == inode;
}

LogLine::LogLine(LogLevel level, std::string_view event)
    : level_(level), enabled_(level >= g_min_level.load(std::memory_order_relaxed)) {
    if (!enabled_) return;
    if (stderr_is_journal()) {
        // The journal stamps each line itself; a priority prefix instead of a second timestamp.
        line_ = '<' + std::to_string(syslog_priority(level)) + '>';
    } else {
        line_ = iso8601_utc(std::chrono::system_clock::now());
        line_ += ' ';
    }
    line_ += level_name(level);
    line_ += " event=";
    line_ += event;
}

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
    if (!enabled_) return *this;
    // Values can come from clients (a path, a header): bytes that are not UTF-8 become \xHH text,
    // so that the log stays readable by tools that insist on UTF-8.
    std::string escaped;
    value = as_utf8(value, escaped);
    line_ += ' ';
    line_ += key;
    line_ += '=';
    if (!needs_quotes(value)) {
        line_ += value;
        return *this;
    }
    line_ += '"';
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {  // one event, one line: a client's CR or LF cannot start another
            static const char kHex[] = "0123456789abcdef";
            line_ += "\\x";
            line_ += kHex[u >> 4];
            line_ += kHex[u & 15];
            continue;
        }
        if (c == '"' || c == '\\') line_ += '\\';
        line_ += c;
    }
    line_ += '"';
    return *this;
}

LogLine::~LogLine() {
    if (!enabled_) return;
    line_ += '\n';
    // One write(2) per line, no lock: the kernel keeps whole writes to a file (and to a pipe, up to
    // 4 KiB) from interleaving. A mutex around stdio made a thousand viewers connecting at once
    // queue behind one holder preempted inside its write.
    const char* data = line_.data();
    std::size_t left = line_.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to log to
        data += n;
        left -= static_cast<std::size_t>(n);
    }
}
