// access_log.h - the structured access log: one JSON line per client session or request, appended
// to the file named by the config's `log` (restreamer's JSON access log). Reopened on each reload,
// so that logrotate can move the file and send SIGHUP.
#pragma once

#include <chrono>
#include <cstdint>
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
    // Opens (appending, creating) `path`; an unopenable file is reported in `error` and gives null.
    static std::shared_ptr<AccessLog> open(const std::string& path, std::string& error);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Any thread. One write() per line with O_APPEND, so lines from many threads never interleave.
    void write(const AccessEntry& entry);
    // The JSON line for `entry`, without the newline; always valid UTF-8 (see as_utf8()). Public for tests.
    static std::string to_json(const AccessEntry& entry);

private:
    explicit AccessLog(int fd) : fd_(fd) {}
    const int fd_;
};
