// processes.h - the bench's child processes (bin/source, bin/server, the floor server) and what it
// reads about them from /proc: CPU time, resident memory, open descriptors, and their log files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/net/net.h"
#include "common/net/unique_fd.h"

// A child started with fork/exec, its stderr appended to a log file. The destructor stops it
// (SIGTERM, then SIGKILL after a grace period) and reaps it; it also dies with the bench (PDEATHSIG).
class ChildProcess {
public:
    // Throws std::runtime_error when the log cannot be opened or fork fails.
    ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& log_path() const { return log_path_; }
    // Still running (not exited and reaped).
    bool running();

private:
    pid_t pid_ = -1;
    std::string log_path_;
};

// Waits for the child's "event=listening address=HOST:PORT" log line and returns HOST:PORT; nullopt
// when the child exits, `timeout` passes or `interrupt` is signalled.
std::optional<std::string> wait_for_listening(ChildProcess& child, const StopSignal& interrupt,
                                              std::chrono::milliseconds timeout);

// A /proc file opened once and read again from the start on every read(): readings keep working
// while the load clients hold every other descriptor the bench may open.
class ProcFile {
public:
    explicit ProcFile(const std::string& path);
    // The whole file; empty when it could not be opened or read (the process is gone).
    std::string read() const;

private:
    UniqueFd fd_;
};

// From /proc/PID/stat: utime and stime in seconds (both 0 when malformed).
struct ProcessCpu {
    double user = 0;
    double system = 0;
    double total() const { return user + system; }
};
ProcessCpu cpu_seconds_of(const std::string& stat);
// From /proc/PID/status: VmRSS in KiB; 0 when absent.
uint64_t rss_kib_of(const std::string& status);

// Whole-machine CPU time from /proc/stat, in clock ticks.
struct MachineCpu {
    uint64_t busy = 0;
    uint64_t total = 0;
};
MachineCpu machine_cpu_of(const std::string& stat);

// Entries of /proc/PID/fd.
std::size_t process_fd_count(pid_t pid);
// This process's CPU time (all threads), in seconds.
double self_cpu_seconds();

// Counts lines holding "event=NAME" in a growing log file; reads only what was appended since.
class LogCounter {
public:
    explicit LogCounter(std::string path) : path_(std::move(path)) {}
    std::size_t count(const std::string& event);

private:
    void update();
    std::string path_;
    uint64_t offset_ = 0;
    std::string partial_;
    std::map<std::string, std::size_t> counts_;
};
