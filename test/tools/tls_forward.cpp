// tls_forward.cpp - bin/tls_forward: a TLS-terminating relay for tests of https upstreams. Listens with
// TLS on 127.0.0.1 and relays each connection's bytes both ways to a plain TCP address (bin/source).
// The main thread accepts and handles SIGTERM; each connection has its own thread, joined at exit.
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "common/log.h"
#include "common/net/net.h"
#include "common/net/url.h"

namespace {
constexpr const char* kUsage =
    "usage: tls_forward --cert CERT.pem --key KEY.pem --to HOST:PORT\n"
    "Listens with TLS on 127.0.0.1 (a free port, logged as event=listening address=127.0.0.1:PORT)\n"
    "and relays every connection to HOST:PORT over plain TCP.\n";

struct CtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

std::string ssl_reason() {
    const char* reason = ERR_reason_error_string(ERR_peek_last_error());
    return reason ? reason : "connection closed";
}

// The main thread connects both ends and owns the descriptors, so that it can shut them down to stop
// the relay; it closes them only after joining the thread.
struct Connection {
    UniqueFd client;
    UniqueFd upstream;
    std::thread thread;
};

bool write_plain(int fd, const char* data, long len) {
    std::string error;
    return write_all(fd, data, static_cast<std::size_t>(len), -1, std::chrono::milliseconds(5000), error);
}

// Blocking I/O is enough here: the peers are our own test programs on loopback.
void relay(SSL_CTX* ctx, const Connection& conn) {
    SslPtr ssl(SSL_new(ctx));
    SSL_set_fd(ssl.get(), conn.client.get());
    std::string reason = "stopped";
    if (SSL_accept(ssl.get()) != 1) {
        LogLine(LogLevel::info, "handshake_failed").kv("reason", ssl_reason());
        ::shutdown(conn.client.get(), SHUT_RDWR);
        ::shutdown(conn.upstream.get(), SHUT_RDWR);
        return;
    }
    char buf[65536];
    for (;;) {
        pollfd fds[2] = {{conn.client.get(), POLLIN, 0}, {conn.upstream.get(), POLLIN, 0}};
        // Decrypted bytes OpenSSL already holds would not wake poll().
        if (SSL_pending(ssl.get()) == 0 && ::poll(fds, 2, -1) < 0) break;
        if (SSL_pending(ssl.get()) > 0 || fds[0].revents) {
            int n = SSL_read(ssl.get(), buf, sizeof buf);
            if (n <= 0) {
                reason = "client closed";
                break;
            }
            if (!write_plain(conn.upstream.get(), buf, n)) break;
        }
        if (fds[1].revents) {
            long n = ::read(conn.upstream.get(), buf, sizeof buf);
            if (n <= 0) {
                reason = "upstream closed";
                break;
            }
            if (SSL_write(ssl.get(), buf, static_cast<int>(n)) <= 0) {
                reason = "client gone";
                break;
            }
        }
    }
    LogLine(LogLevel::info, "connection_closed").kv("reason", reason);
    SSL_shutdown(ssl.get());
    ERR_clear_error();
    ::shutdown(conn.client.get(), SHUT_RDWR);
    ::shutdown(conn.upstream.get(), SHUT_RDWR);
}

UniqueFd listen_loopback(std::string& address) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd.get(), 64) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return {};
    }
    address = format_address(reinterpret_cast<sockaddr*>(&addr));
    return fd;
}
}  // namespace

int main(int argc, char** argv) {
    std::string cert, key, to;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string arg = argv[i];
        if (arg == "--cert") cert = argv[i + 1];
        else if (arg == "--key") key = argv[i + 1];
        else if (arg == "--to") to = argv[i + 1];
    }
    Parsed<HostPort> target = split_host_port(to);
    auto to_port = target ? parse_port_number(target->port) : std::nullopt;
    if (cert.empty() || key.empty() || !to_port) {
        std::fputs(kUsage, stderr);
        return 2;
    }

    CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
        std::fprintf(stderr, "tls_forward: %s, %s: %s\n", cert.c_str(), key.c_str(), ssl_reason().c_str());
        return 2;
    }

    std::signal(SIGPIPE, SIG_IGN);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before any thread starts, so all inherit it
    UniqueFd stop(::signalfd(-1, &stop_signals, SFD_CLOEXEC));

    std::string address;
    UniqueFd listener = listen_loopback(address);
    if (!listener || !stop) {
        std::fprintf(stderr, "tls_forward: cannot listen: %s\n", std::strerror(errno));
        return 1;
    }
    LogLine(LogLevel::info, "listening").kv("address", address).kv("to", to);

    std::list<Connection> connections;
    for (;;) {
        WaitResult w = wait_fd(listener.get(), POLLIN, stop.get(), std::chrono::milliseconds(0));
        if (w != WaitResult::ready) break;
        UniqueFd client(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!client) continue;
        std::string error;
        UniqueFd upstream = connect_tcp(target->host, *to_port, stop.get(), std::chrono::milliseconds(5000), error);
        if (!upstream) {
            LogLine(LogLevel::warn, "upstream_failed").kv("reason", error);
            continue;
        }
        Connection& conn = connections.emplace_back();
        conn.client = std::move(client);
        conn.upstream = std::move(upstream);
        conn.thread = std::thread(relay, ctx.get(), std::cref(conn));
    }
    for (Connection& conn : connections) {
        ::shutdown(conn.client.get(), SHUT_RDWR);
        ::shutdown(conn.upstream.get(), SHUT_RDWR);
    }
    for (Connection& conn : connections) conn.thread.join();
    LogLine(LogLevel::info, "stopped");
    return 0;
}
