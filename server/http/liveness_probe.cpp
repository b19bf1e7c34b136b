// liveness_probe.cpp - one probe: connect, send the OPTIONS * request, read the status line.
#include "server/http/liveness_probe.h"

#include <cstring>

#include "common/config/config.h"
#include "common/net/net.h"

using namespace std::chrono;

const char kLivenessProbeRequest[] = "OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
const char kLivenessProbeStatusLine[] = "HTTP/1.1 200 OK\r\n";

bool probe_acceptor(const std::string& address, milliseconds timeout, std::string& error) {
    const std::optional<ListenAddress> listen = parse_listen_address(address);
    if (!listen) {
        error = "invalid address " + address;
        return false;
    }
    std::string host = listen->host;
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    const auto deadline = steady_clock::now() + timeout;
    const auto left = [&] { return std::max(milliseconds(1), duration_cast<milliseconds>(deadline - steady_clock::now())); };
    UniqueFd fd = connect_tcp(host, static_cast<uint16_t>(listen->port), -1, timeout, error);
    if (!fd) return false;
    if (!write_all(fd.get(), kLivenessProbeRequest, std::strlen(kLivenessProbeRequest), -1, left(), error)) return false;
    // The status line is all that is needed; it may come in pieces.
    const std::string expected = kLivenessProbeStatusLine;
    std::string received;
    while (received.size() < expected.size()) {
        char buffer[64];
        const long n = read_with_deadline(fd.get(), buffer, sizeof buffer, -1, left(), error);
        if (n <= 0) {
            if (n == 0) error = "connection closed without an answer";
            error = "no answer within " + std::to_string(timeout.count()) + " ms: " + error;
            return false;
        }
        received.append(buffer, static_cast<std::size_t>(n));
    }
    if (received.compare(0, expected.size(), expected) == 0) return true;
    error = "unexpected answer " + received.substr(0, received.find('\r'));
    return false;
}
