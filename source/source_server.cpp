// source_server.cpp - the listener, the accept loop and the client threads of bin/source.
#include "source/source_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/log.h"
#include "common/net/listener.h"
#include "common/net/net.h"
#include "source/client_session.h"

UniqueFd open_listener(const std::string& listen, std::string& bound, std::string& error) {
    std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        error = "expected HOST:PORT";
        return {};
    }
    std::string host = listen.substr(0, colon);
    std::string port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

    Listener listener = listen_tcp(host, port, ListenOptions{});
    if (!listener.fd) {
        error = listener.error;
        return {};
    }
    bound = listener.address;
    return std::move(listener.fd);
}

// One viewer. The server keeps it, and so its socket, until the thread is joined: shutting the socket
// down is how the server stops the thread, and the descriptor must not be reused before that.
struct ClientThread {
    UniqueFd socket;
    std::string address;
    std::atomic<bool> finished{false};
    std::thread thread;
};

SourceServer::SourceServer(UniqueFd listener, const Playout& playout)
    : listener_(std::move(listener)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), playout_(playout) {}

SourceServer::~SourceServer() { stop(); }

void SourceServer::run(int signal_fd) {
    // While accept() lacks descriptors, stop polling the listener until a client ends or a second passes.
    bool accept_paused = false;
    for (;;) {
        pollfd fds[3] = {{listener_.get(), static_cast<short>(accept_paused ? 0 : POLLIN), 0},
                         {signal_fd, POLLIN, 0},
                         {wake_.get(), POLLIN, 0}};
        int n = ::poll(fds, 3, accept_paused ? 1000 : -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            LogLine(LogLevel::error, "poll_failed").kv("reason", std::strerror(errno));
            break;
        }
        if (fds[1].revents) {
            signalfd_siginfo info{};
            ssize_t got = ::read(signal_fd, &info, sizeof info);
            LogLine(LogLevel::info, "stopping")
                .kv("signal", got == sizeof info ? strsignal(static_cast<int>(info.ssi_signo)) : "?")
                .kv("clients", clients_.size());
            break;
        }
        if (fds[2].revents) {
            uint64_t count;
            if (::read(wake_.get(), &count, sizeof count) < 0) count = 0;
            reap_finished();
            accept_paused = false;
        }
        if (n == 0) accept_paused = false;
        if (fds[0].revents & POLLIN) accept_paused = !accept_client();
    }
    stop();
    LogLine(LogLevel::info, "stopped");
}

// False when out of descriptors or memory, so the caller backs off instead of spinning.
bool SourceServer::accept_client() {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC));
    if (!fd) {
        int err = errno;
        bool exhausted = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
        if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNABORTED)
            LogLine(exhausted ? LogLevel::warn : LogLevel::info, "accept_failed").kv("reason", std::strerror(err));
        return !exhausted;
    }
    auto client = std::make_unique<ClientThread>();
    client->socket = std::move(fd);
    client->address = format_address(reinterpret_cast<sockaddr*>(&addr));
    LogLine(LogLevel::info, "client_connected").kv("client", client->address).kv("clients", clients_.size() + 1);
    ClientThread* c = client.get();
    try {
        c->thread = std::thread([this, c] {
            try {
                serve_client(c->socket.get(), c->address, playout_, stopping_);
            } catch (const std::exception& e) {
                LogLine(LogLevel::error, "client_failed").kv("client", c->address).kv("reason", e.what());
            }
            ::shutdown(c->socket.get(), SHUT_RDWR);  // the peer sees the end now, not when we reap
            c->finished.store(true, std::memory_order_release);
            uint64_t one = 1;
            if (::write(wake_.get(), &one, sizeof one) < 0) {
                // The eventfd counter cannot overflow here; a failed wake only delays reaping.
            }
        });
    } catch (const std::system_error& e) {
        LogLine(LogLevel::warn, "client_rejected").kv("client", c->address).kv("reason", e.what());
        return false;
    }
    clients_.push_back(std::move(client));
    return true;
}

void SourceServer::reap_finished() {
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (!(*it)->finished.load(std::memory_order_acquire)) {
            ++it;
            continue;
        }
        (*it)->thread.join();
        it = clients_.erase(it);
    }
}

void SourceServer::stop() {
    if (stopping_.exchange(true)) return;
    listener_.reset();
    for (auto& client : clients_) ::shutdown(client->socket.get(), SHUT_RDWR);
    for (auto& client : clients_) client->thread.join();
    clients_.clear();
}
