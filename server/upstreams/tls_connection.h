// tls_connection.h - a TLS client session (OpenSSL) over a connected TCP socket, with the deadline and
// stop semantics of common/net.h. Used only by the reader thread that opened it.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/net/unique_fd.h"

class TlsConnection {
public:
    // Handshakes over the connected socket `fd` as a client of host:port. Sends SNI for names. With
    // `verify`, checks the chain against OpenSSL's default store (SSL_CERT_FILE and SSL_CERT_DIR
    // replace the system's) and the name or IP address against the certificate. Returns nullptr and
    // sets `error`: "TLS handshake with HOST:PORT failed: certificate verify failed (self-signed certificate)".
    static std::unique_ptr<TlsConnection> open(UniqueFd fd, const std::string& host, uint16_t port, bool verify,
                                               int stop_fd, std::chrono::milliseconds timeout, std::string& error);
    ~TlsConnection();
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;

    // As read_with_deadline(): > 0 bytes read; 0 the peer ended the stream; -1 failed, `error` says why.
    long read(void* buf, std::size_t len, int stop_fd, std::chrono::milliseconds timeout, std::string& error);
    // As write_all(), with `timeout` (0 = none) for the whole write.
    bool write_all(const void* data, std::size_t len, int stop_fd, std::chrono::milliseconds timeout,
                   std::string& error);

private:
    struct CtxFree {
        void operator()(SSL_CTX* ctx) const;
    };
    struct SslFree {
        void operator()(SSL* ssl) const;
    };

    using TimeoutPhrase = std::string (*)(std::chrono::milliseconds timeout);
    explicit TlsConnection(UniqueFd fd) : fd_(std::move(fd)) {}
    template <typename Call>
    int drive(Call call, int stop_fd, std::chrono::milliseconds timeout, TimeoutPhrase timeout_phrase,
              std::string& error);

    // Members are destroyed bottom-up: the session goes before its context, the socket last.
    UniqueFd fd_;
    std::unique_ptr<SSL_CTX, CtxFree> ctx_;
    std::unique_ptr<SSL, SslFree> ssl_;
    bool failed_ = false;  // after a fatal error OpenSSL forbids SSL_shutdown
};
