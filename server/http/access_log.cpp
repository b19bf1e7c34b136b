// access_log.cpp - JSON lines for the access log (RapidJSON), each written whole or not at all.
#include "server/http/access_log.h"

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

#include "common/log.h"
#include "common/text.h"
#include "common/utc_time.h"

namespace {
// A disk that stays full must not flood stderr with a line per request.
constexpr std::chrono::seconds kWarningInterval{60};

// One stderr line about the log's health, decided under the lock and logged after it.
struct Report {
    const char* event;
    uint64_t lost_lines;
    uint64_t total_lost;
    int error;  // 0 for a recovery
};

// Writes all of `line`, going on after a short write (a signal, a file size limit); 0, or the errno
// of the write that failed with `written` bytes of the line in the file.
int write_all(int fd, const std::string& line, std::size_t& written) {
    written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;  // a regular file never takes nothing without an error; do not spin
        written += static_cast<std::size_t>(n);
    }
    return 0;
}

// Cuts the `written` bytes of a line that failed half-way off the file again: a torn line would
// make the file invalid JSON lines for good. After an O_APPEND write the file offset is the end of
// our bytes, so the line started `written` bytes before it, provided nobody appended in between.
// That holds because the log is ours alone and every writer in this process holds Shared::mutex
// from its write to this truncation. A pipe or FIFO cannot be truncated; its reader sees the tear.
void cut_off(int fd, std::size_t written) {
    const off_t end = ::lseek(fd, 0, SEEK_CUR);
    if (end < static_cast<off_t>(written)) return;
    // Should this fail as well, there is no better place to report it than the failure being logged.
    [[maybe_unused]] const int rc = ::ftruncate(fd, end - static_cast<off_t>(written));
}

void log_report(const Report& report, const std::string& path) {
    const LogLevel level = report.error ? LogLevel::warn : LogLevel::info;
    LogLine line(level, report.event);
    line.kv("file", path).kv("lost_lines", report.lost_lines).kv("total_lost", report.total_lost);
    if (report.error) line.kv("reason", std::strerror(report.error));
}
}  // namespace

// What a reload hands from one AccessLog to the next.
struct AccessLog::Shared {
    explicit Shared(ClockFunction c) : clock(std::move(c)) {}

    const ClockFunction clock;
    // Taken by every write of every log of the chain: the one a reload replaced may still be
    // written (a viewer who joined before it ends) while the new one is, often to the same file.
    std::mutex mutex;
    std::atomic<uint64_t> failures{0};  // lines lost; read by the statistics without the lock
    // Guarded by mutex.
    uint64_t unreported = 0;   // lost lines no stderr line has named yet
    uint64_t outage_lost = 0;  // lost since the last line written; 0 while writing works
    bool outage_reported = false;
    std::optional<Clock::time_point> last_warning;

    // A line lost: a warning, unless one was logged less than a minute ago.
    std::optional<Report> lost(int error) {
        const uint64_t total = failures.fetch_add(1, std::memory_order_relaxed) + 1;
        ++unreported;
        ++outage_lost;
        const Clock::time_point now = clock();
        if (last_warning && now - *last_warning < kWarningInterval) return std::nullopt;
        last_warning = now;
        outage_reported = true;
        return Report{"access_log_write_failed", std::exchange(unreported, 0), total, error};
    }

    // A line written: ends an outage. Only an outage that a warning announced gets its recovery line
    // (so a disk that flaps cannot log a pair per request); the losses of a silent one are named
    // by the next warning.
    std::optional<Report> written() {
        if (outage_lost == 0) return std::nullopt;
        const uint64_t lost = std::exchange(outage_lost, 0);
        if (!std::exchange(outage_reported, false)) return std::nullopt;
        unreported = 0;  // all lost since the warning, and named now
        return Report{"access_log_recovered", lost, failures.load(std::memory_order_relaxed), 0};
    }
};

std::shared_ptr<AccessLog> AccessLog::open(const std::string& path, std::string& error, const AccessLog* previous,
                                           ClockFunction clock) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "cannot open access log " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    auto shared = previous ? previous->shared_ : std::make_shared<Shared>(std::move(clock));
    return std::shared_ptr<AccessLog>(new AccessLog(fd, path, std::move(shared)));
}

AccessLog::AccessLog(int fd, std::string path, std::shared_ptr<Shared> shared)
    : fd_(fd), path_(std::move(path)), shared_(std::move(shared)) {}

AccessLog::~AccessLog() { ::close(fd_); }

uint64_t AccessLog::write_failures() const { return shared_->failures.load(std::memory_order_relaxed); }

std::string AccessLog::to_json(const AccessEntry& e) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    std::string escaped;
    // Paths and headers are the client's bytes: JSON must be UTF-8, so anything else is escaped.
    auto str = [&w, &escaped](const char* key, const std::string& value) {
        const std::string_view text = as_utf8(value, escaped);
        w.Key(key);
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    };
    w.StartObject();
    str("time", iso8601_utc(e.start));
    str("client", e.client);
    if (!e.forwarded_for.empty()) str("forwarded_for", e.forwarded_for);
    str("method", e.method);
    str("path", e.path);
    w.Key("status");
    w.Int(e.status);
    if (!e.user.empty()) str("user", e.user);
    w.Key("duration_s");
    w.Double(e.duration_s);
    w.Key("bytes");
    w.Uint64(e.bytes);
    w.Key("dropped_packets");
    w.Uint64(e.dropped_packets);
    if (!e.reason.empty()) str("reason", e.reason);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

void AccessLog::write(const AccessEntry& entry) {
    const std::string line = to_json(entry) + "\n";
    std::optional<Report> report;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        std::size_t written = 0;
        // A full disk must not stop streaming: a line that cannot be written is lost, not retried.
        const int error = write_all(fd_, line, written);
        if (error == 0) {
            report = shared_->written();
        } else {
            if (written > 0) cut_off(fd_, written);
            report = shared_->lost(error);
        }
    }
    if (report) log_report(*report, path_);
}
