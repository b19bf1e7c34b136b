// listener.cpp - address resolution, the dual-stack wildcard and socket options of listen_tcp.
#include "common/net/listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/net/net.h"

namespace {
// Binds and listens on one address; `error` and `error_number` say why not.
UniqueFd bind_and_listen(const sockaddr* addr, socklen_t len, const ListenOptions& options, std::string& error,
                         int& error_number) {
    UniqueFd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        error_number = errno;
        error = std::strerror(error_number);
        return {};
    }
    const int one = 1, zero = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr->sa_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (options.send_buffer > 0)
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &options.send_buffer, sizeof options.send_buffer);
    if (::bind(fd.get(), addr, len) != 0 || ::listen(fd.get(), options.backlog) != 0) {
        error_number = errno;
        error = std::strerror(error_number);
        return {};
    }
    return fd;
}

std::string bound_address(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return format_address(reinterpret_cast<sockaddr*>(&addr));
}

bool listen_on_every_interface(uint16_t port, const ListenOptions& options, Listener& out) {
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_addr = in6addr_any;
    any6.sin6_port = htons(port);
    std::string v6_error;
    int v6_errno = 0;
    out.fd = bind_and_listen(reinterpret_cast<sockaddr*>(&any6), sizeof any6, options, v6_error, v6_errno);
    if (out.fd) return true;
    // A port in use is in use for IPv4 too; only a kernel without IPv6 is worth the fallback.
    if (v6_errno != EAFNOSUPPORT && v6_errno != EADDRNOTAVAIL && v6_errno != EPROTONOSUPPORT) {
        out.error = v6_error;
        return false;
    }
    sockaddr_in any4{};
    any4.sin_family = AF_INET;
    any4.sin_addr.s_addr = htonl(INADDR_ANY);
    any4.sin_port = htons(port);
    int v4_errno = 0;
    out.fd = bind_and_listen(reinterpret_cast<sockaddr*>(&any4), sizeof any4, options, out.error, v4_errno);
    if (out.fd) out.note = "IPv6 unavailable (" + v6_error + "): listening on IPv4 only";
    return static_cast<bool>(out.fd);
}
}  // namespace

Listener listen_tcp(const std::string& host, const std::string& port, const ListenOptions& options) {
    Listener out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | (host.empty() ? AI_NUMERICHOST : 0);
    addrinfo* found = nullptr;
    // With no host, getaddrinfo only turns a service name into its port.
    const int rc = ::getaddrinfo(host.empty() ? "::" : host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
        out.error = (host.empty() ? port : host + ":" + port) + ": " + ::gai_strerror(rc);
        return out;
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
    if (host.empty()) {
        const uint16_t number = ntohs(reinterpret_cast<sockaddr_in6*>(list->ai_addr)->sin6_port);
        if (listen_on_every_interface(number, options, out)) out.address = bound_address(out.fd.get());
        return out;
    }
    for (int family : {AF_INET, AF_INET6}) {
        for (addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
            if (ai->ai_family != family) continue;
            int error_number = 0;
            out.fd = bind_and_listen(ai->ai_addr, ai->ai_addrlen, options, out.error, error_number);
            if (!out.fd) continue;
            out.address = bound_address(out.fd.get());
            out.error.clear();
            return out;
        }
    }
    return out;
}
