// tls_connection.cpp - OpenSSL client sessions on a non-blocking socket: every OpenSSL call is retried
// after wait_fd() reports what it asked for, so none can block past its deadline or a stop.
#include "server/upstreams/tls_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "common/net/net.h"

using namespace std::chrono;

namespace {
bool is_ip_literal(const std::string& host) {
    unsigned char address[16];
    return ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// OpenSSL's reason for the last failure on this thread, e.g. "certificate verify failed".
std::string last_ssl_reason(const char* fallback) {
    const char* reason = ERR_reason_error_string(ERR_peek_last_error());
    return reason ? reason : fallback;
}

// One phrase for a failed call; `saved_errno` is errno right after the call.
std::string describe_failure(int ssl_error, int saved_errno) {
    switch (ssl_error) {
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_last_error() != 0) return last_ssl_reason("I/O error");
        return saved_errno != 0 ? std::strerror(saved_errno) : "connection closed by the server";
    case SSL_ERROR_SSL: return last_ssl_reason("protocol error");
    default: return "OpenSSL error " + std::to_string(ssl_error);
    }
}

// Timeout phrases, built only when a wait times out; the read one matches read_with_deadline()'s.
std::string handshake_timeout(milliseconds timeout) {
    return "timed out after " + std::to_string(timeout.count()) + " ms";
}
std::string read_timeout(milliseconds timeout) {
    return "no data for " + std::to_string(timeout.count()) + " ms";
}
std::string write_timeout(milliseconds) { return "write timed out"; }
}  // namespace

void TlsConnection::CtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
void TlsConnection::SslFree::operator()(SSL* ssl) const { SSL_free(ssl); }

std::unique_ptr<TlsConnection> TlsConnection::open(UniqueFd fd, const std::string& host, uint16_t port, bool verify,
                                                   int stop_fd, milliseconds timeout, std::string& error) {
    const std::string failed = "TLS handshake with " + join_host_port(host, port) + " failed: ";
    // Non-blocking for the whole session; see drive().
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    std::unique_ptr<TlsConnection> tls(new TlsConnection(std::move(fd)));
    ERR_clear_error();
    // A context per connection: an upstream connects rarely, and a fresh one rereads SSL_CERT_FILE.
    tls->ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX* ctx = tls->ctx_.get();
    if (!ctx) return error = failed + last_ssl_reason("cannot create a TLS context"), nullptr;
    // An encoder that closes without close_notify has ended its stream, as a plain socket would.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (verify) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            return error = failed + "cannot load trusted certificates: " + last_ssl_reason("?"), nullptr;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
    tls->ssl_.reset(SSL_new(ctx));
    SSL* ssl = tls->ssl_.get();
    if (!ssl || SSL_set_fd(ssl, tls->fd_.get()) != 1) {
        return error = failed + last_ssl_reason("cannot create a session"), nullptr;
    }
    const bool ip = is_ip_literal(host);
    // RFC 6066 allows only names in SNI, never address literals.
    if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return error = failed + "invalid server name", nullptr;
    if (verify) {
        const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                          : SSL_set1_host(ssl, host.c_str());
        if (ok != 1) return error = failed + "cannot check the certificate against " + host, nullptr;
    }
    if (tls->drive(SSL_connect, stop_fd, timeout, handshake_timeout, error) > 0) return tls;
    if (error.empty()) error = "connection closed by the server";
    const long verify_result = SSL_get_verify_result(ssl);
    if (verify && verify_result != X509_V_OK) {
        // OpenSSL's own phrase is only "certificate verify failed"; the verify result says why.
        error = std::string("certificate verify failed (") + X509_verify_cert_error_string(verify_result) + ")";
    }
    error = failed + error;
    return nullptr;
}

TlsConnection::~TlsConnection() {
    // close_notify tells the server we left on purpose. The socket is non-blocking: this never waits.
    if (ssl_ && !failed_ && SSL_is_init_finished(ssl_.get())) SSL_shutdown(ssl_.get());
    ERR_clear_error();
}

// A blocking socket would not do: poll() may report a partial record, and SSL_read() would then block
// for the rest of it with no deadline and deaf to a stop. So the call is tried first (bytes OpenSSL
// already holds, SSL_pending(), need no poll) and only WANT_READ or WANT_WRITE lead to wait_fd().
// Returns the call's result when > 0, 0 when the server ended the stream, -1 with `error` set.
template <typename Call>
int TlsConnection::drive(Call call, int stop_fd, milliseconds timeout, TimeoutPhrase timeout_phrase,
                         std::string& error) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        const int rc = call(ssl_.get());
        const int saved_errno = errno;
        if (rc > 0) return rc;
        const int ssl_error = SSL_get_error(ssl_.get(), rc);
        if (ssl_error == SSL_ERROR_ZERO_RETURN) return 0;
        if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) {
            failed_ = true;
            error = describe_failure(ssl_error, saved_errno);
            return -1;
        }
        milliseconds left = timeout;  // 0 waits forever
        if (timeout.count() > 0) {
            left = duration_cast<milliseconds>(deadline - steady_clock::now());
            if (left.count() <= 0) return error = timeout_phrase(timeout), -1;
        }
        switch (wait_fd(fd_.get(), ssl_error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, stop_fd, left)) {
        case WaitResult::ready: break;
        case WaitResult::timeout: return error = timeout_phrase(timeout), -1;
        case WaitResult::stopped: return error = "stopped", -1;
        case WaitResult::error: return error = std::string("poll: ") + std::strerror(errno), -1;
        }
    }
}

long TlsConnection::read(void* buf, std::size_t len, int stop_fd, milliseconds timeout, std::string& error) {
    const int want = static_cast<int>(std::min<std::size_t>(len, INT_MAX));
    return drive([buf, want](SSL* ssl) { return SSL_read(ssl, buf, want); }, stop_fd, timeout, read_timeout,
                 error);
}

bool TlsConnection::write_all(const void* data, std::size_t len, int stop_fd, milliseconds timeout, std::string& error) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        const int piece = static_cast<int>(std::min<std::size_t>(len, INT_MAX));
        // Without partial writes, SSL_write() returns only once all of `piece` is sent.
        const int n = drive([p, piece](SSL* ssl) { return SSL_write(ssl, p, piece); }, stop_fd, timeout,
                            write_timeout, error);
        if (n == 0) return error = "connection closed by the server", false;
        if (n < 0) return false;
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}
