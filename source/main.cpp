// main.cpp - bin/source: serves one TS file over HTTP in a loop, paced in real time, to every client.
// The main thread accepts, owns one thread per client and joins them; SIGINT/SIGTERM arrive on a signalfd.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/net/net.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"
#include "common/net/unique_fd.h"
#include "source/client_session.h"
#include "source/command_line.h"
#include "source/pcr_pacer.h"
#include "source/ts_looper.h"

namespace {
constexpr const char* kVersion = "restreamer source 0.1.0";
constexpr int kListenBacklog = 1024;
constexpr int kExitUsage = 2;

// The file's whole packets, resynchronised past garbage; empty with `error` set when there are none.
std::vector<uint8_t> load_packets(const std::string& path, std::string& error, uint64_t& skipped_bytes) {
    std::vector<uint8_t> packets;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error = std::strerror(errno);
        return {};
    }
    TsFramer framer;
    uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = std::strerror(errno);
            return {};
        }
        if (n == 0) break;
        framer.push(buf, static_cast<std::size_t>(n), packets);
    }
    skipped_bytes = framer.skipped_bytes();
    if (packets.empty()) error = "no MPEG-TS packets (sync byte 0x47) found";
    return packets;
}

// Binds HOST:PORT ("[::1]:0", ":8000" for all interfaces); a name resolving to both families binds IPv4,
// as Go's net.Listen does for "localhost". Returns the socket and sets `bound`, or sets `error`.
UniqueFd open_listener(const std::string& listen, std::string& bound, std::string& error) {
    std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        error = "expected HOST:PORT";
        return {};
    }
    std::string host = listen.substr(0, colon);
    std::string port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
        error = ::gai_strerror(rc);
        return {};
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
    for (int family : {AF_INET, AF_INET6}) {
        for (addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
            if (ai->ai_family != family) continue;
            UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
            int one = 1;
            if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                ::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), kListenBacklog) != 0) {
                error = std::strerror(errno);
                continue;
            }
            sockaddr_storage addr{};
            socklen_t len = sizeof addr;
            ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
            bound = format_address(reinterpret_cast<sockaddr*>(&addr));
            return fd;
        }
    }
    return {};
}

// One viewer. The server keeps it, and so its socket, until the thread is joined: shutting the socket
// down is how the server stops the thread, and the descriptor must not be reused before that.
struct ClientThread {
    UniqueFd socket;
    std::string address;
    std::atomic<bool> finished{false};
    std::thread thread;
};

class SourceServer {
public:
    SourceServer(UniqueFd listener, const Playout& playout)
        : listener_(std::move(listener)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), playout_(playout) {}
    ~SourceServer() { stop(); }

    // Accepts until a signal arrives on signal_fd; returns with every client thread joined.
    void run(int signal_fd);

private:
    bool accept_client();
    void reap_finished();
    void stop();

    UniqueFd listener_;
    UniqueFd wake_;  // eventfd: a client thread finished and can be joined
    const Playout& playout_;
    std::atomic<bool> stopping_{false};
    std::list<std::unique_ptr<ClientThread>> clients_;
};

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

const char* pacing_name(Pacing pacing) {
    switch (pacing) {
    case Pacing::pcr: return "pcr";
    case Pacing::bitrate: return "bitrate";
    case Pacing::unpaced: return "unpaced";
    }
    return "?";
}

// Chooses the rates from the file; false (after one error line) when there is nothing to pace by.
bool plan_playout(const SourceOptions& options, Playout& playout) {
    const uint8_t* data = playout.packets.data();
    const std::size_t size = playout.packets.size();
    std::optional<uint64_t> average = average_bitrate_bps(data, size);
    if (options.pacing == Pacing::bitrate) {
        playout.bitrate_bps = options.bitrate_bps;
    } else if (average) {
        playout.bitrate_bps = *average;
    } else if (uint64_t pes_duration = loop_duration_90khz(data, size, 0)) {
        // No PCR: the PES timestamps still tell how long the file plays.
        playout.bitrate_bps = uint64_t(size) * 8 * 90000 / pes_duration;
        if (playout.pacing == Pacing::pcr) playout.pacing = Pacing::bitrate;
    } else if (options.pacing == Pacing::pcr) {
        LogLine(LogLevel::error, "file_error")
            .kv("file", options.file)
            .kv("reason", "no PCR or PES timestamps to pace by; give --bitrate or --unpaced");
        return false;
    }
    playout.loop_duration_90khz = loop_duration_90khz(data, size, playout.bitrate_bps);
    return true;
}
}  // namespace

int main(int argc, char** argv) {
    const SourceCommandLine command = parse_source_command_line(argc, argv);
    switch (command.action) {
    case SourceCommandLine::Action::help: std::fputs(kSourceUsage, stdout); return 0;
    case SourceCommandLine::Action::version: std::printf("%s\n", kVersion); return 0;
    case SourceCommandLine::Action::usage_error:
        std::fprintf(stderr, "source: %s\n%s", command.error.c_str(), kSourceUsage);
        return kExitUsage;
    case SourceCommandLine::Action::run: break;
    }
    const SourceOptions& options = command.options;

    Playout playout;
    playout.path = options.path;
    playout.pacing = options.pacing;
    std::string error;
    uint64_t skipped_bytes = 0;
    playout.packets = load_packets(options.file, error, skipped_bytes);
    if (playout.packets.empty()) {
        LogLine(LogLevel::error, "file_error").kv("file", options.file).kv("reason", error);
        return kExitUsage;
    }
    if (!plan_playout(options, playout)) return kExitUsage;
    auto pcr = find_pcr_span(playout.packets.data(), playout.packets.size());
    LogLine(LogLevel::info, "file_loaded")
        .kv("file", options.file)
        .kv("packets", playout.packets.size() / ts::kPacketSize)
        .kv("skipped_bytes", skipped_bytes)
        .kv("pcr_pid", pcr ? std::to_string(pcr->pid) : "none")
        .kv("loop_seconds", playout.loop_duration_90khz / 90000.0)
        .kv("pacing", pacing_name(playout.pacing))
        .kv("bitrate", playout.bitrate_bps);

    // Blocked before any thread starts, so every thread inherits the mask and only the signalfd sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));

    std::string bound;
    UniqueFd listener = open_listener(options.listen, bound, error);
    if (!listener || !signal_fd) {
        LogLine(LogLevel::error, "listen_failed").kv("address", options.listen).kv("reason", error);
        return kExitUsage;
    }
    LogLine(LogLevel::info, "listening").kv("address", bound).kv("path", options.path);

    SourceServer server(std::move(listener), playout);
    server.run(signal_fd.get());
    return 0;
}
