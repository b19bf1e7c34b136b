// net.h - blocking socket helpers with deadlines that a stop signal can cut short.
// Every wait polls the fd together with `stop_fd` (an eventfd the owner signals to stop), so a
// reader thread blocked on a silent upstream still stops at once.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/net/unique_fd.h"

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

// Waits until fd is readable, as read_with_deadline does before each read, for readers that do not
// use read() (recvmmsg, a child's exit). false with `error` in the same words ("no data for 5000 ms").
bool wait_readable(int fd, int stop_fd, std::chrono::milliseconds timeout, std::string& error);

// Writes all of `len` bytes, waiting for the socket to drain up to `timeout` each time.
bool write_all(int fd, const void* data, std::size_t len, int stop_fd, std::chrono::milliseconds timeout,
               std::string& error);

// Resolves host (a name or a numeric address; empty means the wildcard) and port to the first
// address getaddrinfo gives for `socktype`. false with `error` ("cannot resolve x: ...") otherwise.
bool resolve_address(const std::string& host, uint16_t port, int socktype, sockaddr_storage& out, socklen_t& out_len,
                     std::string& error);

// An IPv4 224.0.0.0/4 or IPv6 ff00::/8 address.
bool is_multicast(const sockaddr* addr);

// Joins the multicast `group` on the socket, on interface `ifindex` (0: the kernel picks one from the
// routing table), from any source or, when `source` is not null, from that source only (SSM).
// IPv4 and IPv6 alike (RFC 3678 MCAST_JOIN_GROUP / MCAST_JOIN_SOURCE_GROUP).
bool join_multicast(int fd, const sockaddr* group, const sockaddr* source, unsigned ifindex, std::string& error);

// "1.2.3.4:80" or "[::1]:80".
std::string format_address(const sockaddr* addr);
// The numeric host ("1.2.3.4", "::1") and the port of an IPv4 or IPv6 address ("?" and 0 otherwise).
void split_address(const sockaddr* addr, std::string& host, int& port);
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
