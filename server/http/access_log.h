// access_log.h - the structured access log: one JSON line per client session or request, appended
// to the file named by the config's `log` (restreamer's JSON access log). Reopened on each reload,
// so that logrotate can move the file and send SIGHUP. Any thread may write; a line that cannot be
// written whole is removed, counted and reported on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct AccessEntry {
    std::chrono::system_clock::time_point start;  // when the request arrived
    std::string client;                           // "address:port" of the peer
    std::string forwarded_for;                    // client address from a trusted proxy, or empty
    std::string method;
    std::string path;
    int status = 0;
    std::string user;                             // authenticated user, or empty
    double duration_s = 0;
    uint64_t bytes = 0;                           // body bytes sent
    uint64_t dropped_packets = 0;
    std::string reason;                           // why the session ended, for streams
};

class AccessLog {
public:
    using Clock = std::chrono::steady_clock;
    using ClockFunction = std::function<Clock::time_point()>;

    // Opens (appending, creating) `path`; an unopenable file is reported in `error` and gives null.
    // The log a reload replaces is `previous`: the new one takes over its lock and its failure
    // counts (and its clock), so that both can be written during the switch and the counter
    // keeps counting. `clock` paces the stderr reports; tests pass their own.
    static std::shared_ptr<AccessLog> open(const std::string& path, std::string& error,
                                           const AccessLog* previous = nullptr, ClockFunction clock = Clock::now);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Any thread; writes are serialised. A line is written whole or not at all: a failed or short
    // write (a full disk) is cut off again, counted, and logged on stderr at most once a minute
    // (`access_log_write_failed`); the first line written after an outage that was logged so logs
    // `access_log_recovered` with the number of lines lost.
    void write(const AccessEntry& entry);
    // Lines lost since the first log of the reload chain was opened. Any thread.
    uint64_t write_failures() const;
    // The JSON line for `entry`, without the newline; always valid UTF-8 (see as_utf8()). Public for tests.
    static std::string to_json(const AccessEntry& entry);

private:
    struct Shared;
    AccessLog(int fd, std::string path, std::shared_ptr<Shared> shared);

    const int fd_;
    const std::string path_;
    const std::shared_ptr<Shared> shared_;
};
