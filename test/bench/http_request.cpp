// http_request.cpp - connect_tcp, write_all and read_with_deadline from common/net.h, then the head parser.
#include "http_request.h"

#include <string_view>

#include "common/net/net.h"

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
    auto parsed = parse_response_head(std::string_view(text).substr(0, end + 2), error);
    if (!parsed) return UniqueFd();
    head = std::move(*parsed);
    body_start.assign(text.begin() + static_cast<long>(end + 4), text.end());
    return fd;
}
