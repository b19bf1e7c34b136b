// http_request.cpp - connect_tcp, write_all and read_with_deadline from common/net.h, then the head
// parser; and socket, bind, listen.
#include "http_request.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/net/net.h"
#include "common/net/url.h"

UniqueFd http_request(const std::string& host, uint16_t port, const std::string& method, const std::string& target,
                      std::chrono::milliseconds timeout, HttpResponseHead& head, std::vector<uint8_t>& body_start,
                      std::string& error) {
    UniqueFd fd = connect_tcp(host, port, -1, timeout, error);
    if (!fd) return fd;
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + join_host_port(host, port) +
                          "\r\nUser-Agent: restreamer-bench\r\nConnection: close\r\n\r\n";
    if (!write_all(fd.get(), request.data(), request.size(), -1, timeout, error)) return UniqueFd();
    std::string text;
    char buf[4096];
    std::size_t end;
    while ((end = text.find("\r\n\r\n")) == std::string::npos) {
        long n = read_with_deadline(fd.get(), buf, sizeof buf, -1, timeout, error);
        if (n <= 0) {
            if (n == 0) error = "closed before the response head";
            return UniqueFd();
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    auto parsed = parse_response_head(std::string_view(text).substr(0, end + 2));
    if (!parsed) {
        error = parsed.error();
        return UniqueFd();
    }
    head = std::move(*parsed);
    body_start.assign(text.begin() + static_cast<long>(end + 4), text.end());
    return fd;
}

bool http_get(const std::string& host, uint16_t port, const std::string& target, std::chrono::milliseconds timeout,
              HttpResponseHead& head, std::vector<uint8_t>& body, std::string& error) {
    UniqueFd fd = http_request(host, port, "GET", target, timeout, head, body, error);
    if (!fd) return false;
    const std::string length = head.header("content-length");
    if (length.empty()) return error = "no Content-Length", false;
    const std::size_t want = std::strtoull(length.c_str(), nullptr, 10);
    char buf[65536];
    while (body.size() < want) {
        long n = read_with_deadline(fd.get(), buf, sizeof buf, -1, timeout, error);
        if (n <= 0) return error = n == 0 ? "closed before the body's end" : error, false;
        body.insert(body.end(), buf, buf + n);
    }
    body.resize(want);
    return true;
}

UniqueFd listen_on(const std::string& address, std::string& bound, std::string& error) {
    Parsed<HostPort> hp = split_host_port(address);
    std::optional<uint16_t> port;
    if (hp) port = hp->port == "0" ? std::optional<uint16_t>(0) : parse_port_number(hp->port);
    if (!port) {
        error = "bad listen address " + address;
        return UniqueFd();
    }
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (!resolve_address(hp->host, *port, SOCK_STREAM, addr, len, error)) return UniqueFd();
    UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int one = 1;
    // A backlog as deep as the kernel allows: a join storm connects every viewer at once.
    if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd.get(), 65535) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        error = std::string("listen ") + address + ": " + std::strerror(errno);
        return UniqueFd();
    }
    bound = format_address(reinterpret_cast<sockaddr*>(&addr));
    return fd;
}
