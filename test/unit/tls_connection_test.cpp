// tls_connection_test.cpp - TlsConnection against an in-process OpenSSL server on a socketpair: data and
// close_notify, and that half a TLS record, a silent peer or a stop never block past the deadline.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/net/net.h"
#include "server/upstreams/tls_connection.h"

using namespace std::chrono;

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using CtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;

// A server context with a fresh self-signed P-256 certificate.
CtxPtr make_server_context() {
    KeyPtr key(EVP_EC_gen("P-256"));
    CertPtr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_sign(cert.get(), key.get(), EVP_sha256());
    CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(ctx.get(), cert.get());
    SSL_CTX_use_PrivateKey(ctx.get(), key.get());
    return ctx;
}

// A client session over a socketpair; the server end handshakes and then runs `then` on its thread.
// `then` must not use Catch's assertions, which are not thread-safe; it reports through variables
// that the test reads after finish().
struct Session {
    CtxPtr server_ctx = make_server_context();
    UniqueFd server_fd;
    std::thread server;
    std::unique_ptr<TlsConnection> client;
    std::string error;

    explicit Session(std::function<void(SSL*, int fd)> then) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        server_fd.reset(fds[0]);
        UniqueFd client_fd(fds[1]);
        server = std::thread([this, then] {
            SslPtr ssl(SSL_new(server_ctx.get()));
            SSL_set_fd(ssl.get(), server_fd.get());
            if (SSL_accept(ssl.get()) == 1) then(ssl.get(), server_fd.get());
        });
        client = TlsConnection::open(std::move(client_fd), "127.0.0.1", 443, false, -1, milliseconds(5000), error);
    }
    ~Session() { finish(); }
    void finish() {
        client.reset();  // the server thread may be waiting for the client to go
        if (server.joinable()) server.join();
    }
};

}  // namespace

TEST_CASE("TlsConnection: reads what the server sends, then 0 after close_notify", "[tls_connection]") {
    Session session([](SSL* ssl, int) {
        SSL_write(ssl, "hello", 5);
        SSL_shutdown(ssl);
    });
    REQUIRE(session.client);
    char buf[16];
    std::string error;
    REQUIRE(session.client->read(buf, sizeof buf, -1, milliseconds(2000), error) == 5);
    CHECK(std::string(buf, 5) == "hello");
    CHECK(session.client->read(buf, sizeof buf, -1, milliseconds(2000), error) == 0);
}

TEST_CASE("TlsConnection: half a record does not block a read past its deadline, nor a stop", "[tls_connection]") {
    // An application-data record header announcing 64 bytes, and nothing after it: poll() says
    // readable, and a blocking SSL_read() would wait for the rest forever.
    const unsigned char header[] = {0x17, 0x03, 0x03, 0x00, 0x40};
    ssize_t written = 0;
    Session session([&](SSL*, int fd) {
        written = ::write(fd, header, sizeof header);
        char byte;
        while (::read(fd, &byte, 1) > 0) {}  // until the client leaves
    });
    REQUIRE(session.client);
    char buf[16];
    std::string error;
    const auto start = steady_clock::now();
    CHECK(session.client->read(buf, sizeof buf, -1, milliseconds(200), error) == -1);
    CHECK(error == "no data for 200 ms");
    CHECK(steady_clock::now() - start < seconds(2));

    StopSignal stop;
    stop.signal();
    CHECK(session.client->read(buf, sizeof buf, stop.fd(), milliseconds(0), error) == -1);
    CHECK(error == "stopped");
    session.finish();
    CHECK(written == static_cast<ssize_t>(sizeof header));
}

TEST_CASE("TlsConnection: a peer that never answers the handshake times out with one phrase", "[tls_connection]") {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    UniqueFd silent(fds[0]);
    std::string error;
    auto tls = TlsConnection::open(UniqueFd(fds[1]), "example.com", 8443, true, -1, milliseconds(200), error);
    CHECK_FALSE(tls);
    CHECK(error == "TLS handshake with example.com:8443 failed: timed out after 200 ms");
}
