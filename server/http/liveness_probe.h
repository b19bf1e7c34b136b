// liveness_probe.h - asks the server, over its own listening socket, whether it still accepts and
// answers: a connection that sends "OPTIONS * HTTP/1.1" (RFC 9110 section 9.3.7, the server-wide
// no-op, which HttpServer answers itself and logs nowhere) and must be answered within a deadline.
// The systemd watchdog pings only while this succeeds.
#pragma once

#include <chrono>
#include <string>

// `address` is the bound address ("127.0.0.1:8000", "[::]:8000"); a wildcard is reached over the
// loopback. False with a one-line `error` when no answer came within `timeout`.
bool probe_acceptor(const std::string& address, std::chrono::milliseconds timeout, std::string& error);

// The head of a probe's request and the status line that answers it, for HttpServer and its tests.
extern const char kLivenessProbeRequest[];
extern const char kLivenessProbeStatusLine[];
