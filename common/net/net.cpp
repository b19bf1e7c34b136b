// net.cpp - connect, wait and write with deadlines; address resolution and formatting; multicast joins.
#include "common/net/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

using namespace std::chrono;

WaitResult wait_fd(int fd, short events, int stop_fd, milliseconds timeout) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    const nfds_t count = stop_fd >= 0 ? 2 : 1;
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        int wait_ms = -1;
        if (timeout.count() > 0) {
            auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
            wait_ms = left > 0 ? static_cast<int>(left) : 0;
        }
        int rc = ::poll(fds, count, wait_ms);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return WaitResult::error;
        }
        if (count == 2 && fds[1].revents) return WaitResult::stopped;
        if (rc == 0) return WaitResult::timeout;
        // POLLHUP/POLLERR count as ready: the following read or write reports what happened.
        return WaitResult::ready;
    }
}

namespace {
std::string connect_one(const addrinfo* ai, int stop_fd, milliseconds timeout, UniqueFd& out) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
    if (!fd) return std::strerror(errno);
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) return std::strerror(errno);
    switch (wait_fd(fd.get(), POLLOUT, stop_fd, timeout)) {
    case WaitResult::ready: break;
    case WaitResult::timeout: return "timed out after " + std::to_string(timeout.count()) + " ms";
    case WaitResult::stopped: return "stopped";
    case WaitResult::error: return std::strerror(errno);
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return std::strerror(err);
    // Back to blocking: every later wait goes through wait_fd with its own deadline.
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    out = std::move(fd);
    return {};
}
}  // namespace

UniqueFd connect_tcp(const std::string& host, uint16_t port, int stop_fd, milliseconds timeout, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (rc != 0) {
        error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
        return {};
    }
    UniqueFd fd;
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
        error = connect_one(ai, stop_fd, timeout, fd);
        if (fd || error == "stopped") break;
        error = "connect to " + format_address(ai->ai_addr) + ": " + error;
    }
    ::freeaddrinfo(list);
    return fd;
}

bool wait_readable(int fd, int stop_fd, milliseconds timeout, std::string& error) {
    switch (wait_fd(fd, POLLIN, stop_fd, timeout)) {
    case WaitResult::ready: return true;
    case WaitResult::timeout: error = "no data for " + std::to_string(timeout.count()) + " ms"; return false;
    case WaitResult::stopped: error = "stopped"; return false;
    case WaitResult::error: error = std::string("poll: ") + std::strerror(errno); return false;
    }
    return false;
}

long read_with_deadline(int fd, void* buf, std::size_t len, int stop_fd, milliseconds timeout, std::string& error) {
    for (;;) {
        if (!wait_readable(fd, stop_fd, timeout, error)) return -1;
        ssize_t n = ::read(fd, buf, len);
        if (n >= 0) return n;
        if (errno == EINTR || errno == EAGAIN) continue;
        error = std::strerror(errno);
        return -1;
    }
}


bool write_all(int fd, const void* data, std::size_t len, int stop_fd, milliseconds timeout, std::string& error) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        WaitResult w = wait_fd(fd, POLLOUT, stop_fd, timeout);
        if (w == WaitResult::stopped) return error = "stopped", false;
        if (w == WaitResult::timeout) return error = "write timed out", false;
        ssize_t n = ::send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            error = std::strerror(errno);
            return false;
        }
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

bool resolve_address(const std::string& host, uint16_t port, int socktype, sockaddr_storage& out, socklen_t& out_len,
                     std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (rc != 0) {
        error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
        return false;
    }
    std::memcpy(&out, list->ai_addr, list->ai_addrlen);
    out_len = list->ai_addrlen;
    ::freeaddrinfo(list);
    return true;
}

bool is_multicast(const sockaddr* addr) {
    if (addr->sa_family == AF_INET)
        return IN_MULTICAST(ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr));
    if (addr->sa_family == AF_INET6) return IN6_IS_ADDR_MULTICAST(&reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr);
    return false;
}

bool join_multicast(int fd, const sockaddr* group, const sockaddr* source, unsigned ifindex, std::string& error) {
    const int level = group->sa_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    const socklen_t addr_len = group->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    int rc;
    if (source) {
        if (source->sa_family != group->sa_family) return error = "source and group are of different families", false;
        group_source_req req{};
        req.gsr_interface = ifindex;
        std::memcpy(&req.gsr_group, group, addr_len);
        std::memcpy(&req.gsr_source, source, addr_len);
        rc = ::setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &req, sizeof req);
    } else {
        group_req req{};
        req.gr_interface = ifindex;
        std::memcpy(&req.gr_group, group, addr_len);
        rc = ::setsockopt(fd, level, MCAST_JOIN_GROUP, &req, sizeof req);
    }
    if (rc != 0) error = std::strerror(errno);
    return rc == 0;
}

std::string join_host_port(const std::string& host, int port) {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

void split_address(const sockaddr* addr, std::string& host, int& port) {
    char text[INET6_ADDRSTRLEN] = "?";
    port = 0;
    if (addr->sa_family == AF_INET) {
        auto in = reinterpret_cast<const sockaddr_in*>(addr);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (addr->sa_family == AF_INET6) {
        auto in6 = reinterpret_cast<const sockaddr_in6*>(addr);
        // An IPv4 peer of a dual-stack socket is ::ffff:a.b.c.d: logs and allow lists want a.b.c.d.
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            ::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
        else
            ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        port = ntohs(in6->sin6_port);
    }
    host = text;
}

std::string format_address(const sockaddr* addr) {
    std::string host;
    int port = 0;
    split_address(addr, host, port);
    return join_host_port(host, port);
}

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!fd_) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

void StopSignal::signal() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

bool StopSignal::is_signalled() const {
    pollfd p{fd_.get(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

bool StopSignal::wait_for(milliseconds timeout) const {
    if (timeout.count() <= 0) return is_signalled();
    return wait_fd(fd_.get(), POLLIN, -1, timeout) == WaitResult::ready;
}
