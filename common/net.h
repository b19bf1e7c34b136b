// net.h - blocking socket helpers with deadlines that a stop signal can cut short.
// Every wait polls the fd together with `stop_fd` (an eventfd the owner signals to stop), so a
// reader thread blocked on a silent upstream still stops at once.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "unique_fd.h"

enum class WaitResult { ready, timeout, stopped, error };

// Waits for `events` (POLLIN/POLLOUT) on fd. timeout <= 0 waits forever. stop_fd < 0 means none.
WaitResult wait_fd(int fd, short events, int stop_fd, std::chrono::milliseconds timeout);

// Resolves host and connects a TCP socket within `timeout` (0 = no limit), trying every address.
// Returns an invalid fd and sets `error` ("connection refused", "timed out after 5000 ms", ...).
UniqueFd connect_tcp(const std::string& host, uint16_t port, int stop_fd, std::chrono::milliseconds timeout,
                     std::string& error);

// Reads up to `len` bytes once data arrives within `timeout` (0 = wait forever).
// > 0: bytes read; 0: end of stream; -1: failed, `error` says why ("no data for 5 s", "stopped", errno text).
long read_with_deadline(int fd, void* buf, std::size_t len, int stop_fd, std::chrono::milliseconds timeout,
                        std::string& error);

// Writes all of `len` bytes, waiting for the socket to drain up to `timeout` each time.
bool write_all(int fd, const void* data, std::size_t len, int stop_fd, std::chrono::milliseconds timeout,
               std::string& error);

// "1.2.3.4:80" or "[::1]:80".
std::string format_address(const sockaddr* addr);
// host:port with brackets around IPv6 literals.
std::string join_host_port(const std::string& host, int port);

// An eventfd that wakes every wait_fd() given it; signal() is safe from any thread and stays set.
class StopSignal {
public:
    StopSignal();
    void signal();
    bool is_signalled() const;
    // Sleeps up to `timeout`; true when the signal came first.
    bool wait_for(std::chrono::milliseconds timeout) const;
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
};
