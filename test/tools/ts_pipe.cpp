// ts_pipe.cpp - bin/ts_pipe: copies TS from stdin to a socket, as the far end of tcp, unix and udp
// upstreams in tests: a TCP or unix listener, a unix datagram sender, or a UDP (multicast) sender,
// also to many consecutive groups at once (a lineup of channels for test/bench/lineup.sh).
// Single-threaded: one poll loop over stdin and the socket.
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/net/net.h"
#include "common/ts/ts_packet.h"
#include "common/net/url.h"

namespace {
constexpr const char* kUsage =
    "usage: ts_pipe MODE ADDRESS [--packets N] [--rtp | --rtp-ext] [--iface NAME] [--bind ADDR] [--count N] < TS\n"
    "Copies TS from stdin to a socket, in units of N packets (default 7), discarding it while nobody listens.\n"
    "  tcp-listen HOST:PORT    accept connections (port 0: a free one, logged as event=listening\n"
    "                          address=HOST:PORT); the newest connection gets the stream\n"
    "  unix-listen PATH        the same on a unix stream socket; unixpacket-listen PATH: seqpacket,\n"
    "                          one record per unit\n"
    "  unixgram PATH           bind a datagram socket at PATH; send to whoever last sent a datagram to it\n"
    "  udp-send HOST:PORT      send datagrams to HOST:PORT, unicast or multicast\n"
    "  udp-send-many IPV4:PORT send every datagram to --count N consecutive addresses from IPV4\n"
    "                          (239.10.0.1, 239.10.0.2, ...), all on PORT: N channels from one stream\n"
    "  --rtp                   wrap each datagram or record in a 12-byte RTP header (payload type 33)\n"
    "  --rtp-ext               the same with a CSRC, a header extension and 4 bytes of padding\n"
    "  --iface NAME            udp-send to a multicast group: send on this interface\n"
    "  --bind ADDR             udp-send: send from this address (for source-specific multicast)\n";

enum class Mode { tcp_listen, unix_listen, unixpacket_listen, unixgram, udp_send, udp_send_many };

struct Options {
    Mode mode = Mode::tcp_listen;
    std::string address;
    std::size_t packets = 7;
    int rtp = 0;  // 0 none, 1 plain header, 2 with CSRC, extension and padding
    std::string iface;
    std::string bind;
    std::size_t count = 1;  // udp-send-many: how many groups
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "ts_pipe: %s\n", message.c_str());
    std::exit(2);
}

bool parse_args(int argc, char** argv, Options& o) {
    if (argc < 3) return false;
    const std::string mode = argv[1];
    if (mode == "tcp-listen") o.mode = Mode::tcp_listen;
    else if (mode == "unix-listen") o.mode = Mode::unix_listen;
    else if (mode == "unixpacket-listen") o.mode = Mode::unixpacket_listen;
    else if (mode == "unixgram") o.mode = Mode::unixgram;
    else if (mode == "udp-send") o.mode = Mode::udp_send;
    else if (mode == "udp-send-many") o.mode = Mode::udp_send_many;
    else return false;
    o.address = argv[2];
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--rtp") o.rtp = 1;
        else if (arg == "--rtp-ext") o.rtp = 2;
        else if (arg == "--packets" && has_value) o.packets = std::strtoul(argv[++i], nullptr, 10);
        else if (arg == "--iface" && has_value) o.iface = argv[++i];
        else if (arg == "--bind" && has_value) o.bind = argv[++i];
        else if (arg == "--count" && has_value) o.count = std::strtoul(argv[++i], nullptr, 10);
        else return false;
    }
    return o.packets > 0 && o.count > 0;
}

void resolve(const std::string& host_port, sockaddr_storage& addr, socklen_t& len) {
    Parsed<HostPort> hp = split_host_port(host_port);
    std::optional<uint16_t> port;
    if (hp) port = hp->port == "0" ? std::optional<uint16_t>(0) : parse_port_number(hp->port);
    if (!port) die("bad address " + host_port);
    std::string error;
    if (!resolve_address(hp->host, *port, SOCK_STREAM, addr, len, error)) die(error);
}

sockaddr_un unix_address(const std::string& path, socklen_t& len) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) die("path too long: " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    len = static_cast<socklen_t>(sizeof(sa_family_t) + path.size() + 1);
    return addr;
}

// The socket the mode needs: listening, bound, or ready to send.
UniqueFd open_socket(const Options& o, sockaddr_storage& dest, socklen_t& dest_len) {
    const int on = 1;
    if (o.mode == Mode::tcp_listen) {
        sockaddr_storage addr{};
        socklen_t len = 0;
        resolve(o.address, addr, len);
        UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd.get(), 8) != 0)
            die("listen " + o.address + ": " + std::strerror(errno));
        len = sizeof addr;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
        LogLine(LogLevel::info, "listening").kv("address", format_address(reinterpret_cast<sockaddr*>(&addr)));
        return fd;
    }
    if (o.mode == Mode::udp_send || o.mode == Mode::udp_send_many) {
        resolve(o.address, dest, dest_len);
        UniqueFd fd(::socket(dest.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (o.mode == Mode::udp_send_many) {
            if (dest.ss_family != AF_INET) die("udp-send-many takes an IPv4 address: " + o.address);
            // The sender's own side has no receiver: spare the kernel a looped-back copy of each datagram.
            const int off = 0;
            ::setsockopt(fd.get(), IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof off);
        }
        const int sndbuf = 4 << 20;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
        if (!o.bind.empty()) {
            sockaddr_storage local{};
            socklen_t local_len = 0;
            std::string error;
            if (!resolve_address(o.bind, 0, SOCK_DGRAM, local, local_len, error)) die(error);
            if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), local_len) != 0)
                die("bind " + o.bind + ": " + std::strerror(errno));
        }
        if (!o.iface.empty()) {
            const int index = static_cast<int>(::if_nametoindex(o.iface.c_str()));
            if (index == 0) die("unknown interface " + o.iface);
            ip_mreqn mreq{};
            mreq.imr_ifindex = index;
            const int rc = dest.ss_family == AF_INET6
                               ? ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index)
                               : ::setsockopt(fd.get(), IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq);
            if (rc != 0) die("multicast interface " + o.iface + ": " + std::strerror(errno));
        }
        LogLine(LogLevel::info, "sending").kv("address", o.address);
        return fd;
    }
    const int type = o.mode == Mode::unix_listen ? SOCK_STREAM : o.mode == Mode::unixpacket_listen ? SOCK_SEQPACKET : SOCK_DGRAM;
    socklen_t len = 0;
    sockaddr_un addr = unix_address(o.address, len);
    ::unlink(o.address.c_str());
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) die("bind " + o.address + ": " + std::strerror(errno));
    if (type != SOCK_DGRAM && ::listen(fd.get(), 8) != 0) die("listen " + o.address + ": " + std::strerror(errno));
    LogLine(LogLevel::info, "listening").kv("path", o.address);
    return fd;
}

// RTP header (RFC 3550) for payload type 33; --rtp-ext adds a CSRC, a one-word extension and padding.
std::vector<uint8_t> rtp_wrap(const uint8_t* data, std::size_t len, int kind, uint16_t seq) {
    const uint32_t timestamp = seq * 3600u;  // 90 kHz, about 25 units a second: only needs to move
    std::vector<uint8_t> out{static_cast<uint8_t>(kind == 2 ? 0xB1 : 0x80), 33,
                             static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq),
                             static_cast<uint8_t>(timestamp >> 24), static_cast<uint8_t>(timestamp >> 16),
                             static_cast<uint8_t>(timestamp >> 8), static_cast<uint8_t>(timestamp),
                             0x5E, 0x4D, 0x3C, 0x2B};
    if (kind == 2) out.insert(out.end(), {0, 0, 0, 7, 0xBE, 0xDE, 0, 1, 0x10, 0x20, 0x30, 0x40});
    out.insert(out.end(), data, data + len);
    if (kind == 2) out.insert(out.end(), {0, 0, 0, 4});
    return out;
}

class Pipe {
public:
    explicit Pipe(const Options& o) : o_(o) {
        socket_ = open_socket(o, dest_, dest_len_);
        if (o.mode == Mode::udp_send_many) address_groups();
    }

    int run() {
        std::vector<uint8_t> pending;
        const std::size_t unit = o_.packets * ts::kPacketSize;
        char buf[65536];
        for (;;) {
            pollfd fds[2] = {{0, POLLIN, 0}, {socket_.get(), POLLIN, 0}};
            const bool watch_socket = o_.mode != Mode::udp_send && o_.mode != Mode::udp_send_many;
            if (::poll(fds, watch_socket ? 2 : 1, -1) < 0) {
                if (errno == EINTR) continue;
                die(std::string("poll: ") + std::strerror(errno));
            }
            if (watch_socket && fds[1].revents) on_socket_ready();
            if (!fds[0].revents) continue;
            const ssize_t n = ::read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return 0;
            pending.insert(pending.end(), buf, buf + n);
            std::size_t at = 0;
            for (; pending.size() - at >= unit; at += unit) send_unit(pending.data() + at, unit);
            pending.erase(pending.begin(), pending.begin() + static_cast<long>(at));
        }
    }

private:
    void on_socket_ready() {
        if (o_.mode == Mode::unixgram) {
            // Any datagram, the upstream's empty hello included, names the receiver.
            char byte;
            peer_len_ = sizeof peer_;
            if (::recvfrom(socket_.get(), &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer_), &peer_len_) >= 0)
                LogLine(LogLevel::info, "receiver").kv("path", o_.address);
            else
                peer_len_ = 0;
            return;
        }
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        UniqueFd client(::accept4(socket_.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
        if (!client) return;
        LogLine(LogLevel::info, "client_connected")
            .kv("client", o_.mode == Mode::tcp_listen ? format_address(reinterpret_cast<sockaddr*>(&peer)) : o_.address);
        client_ = std::move(client);
    }

    void send_unit(const uint8_t* data, std::size_t len) {
        std::vector<uint8_t> wrapped;
        if (o_.rtp && o_.mode != Mode::tcp_listen && o_.mode != Mode::unix_listen) {
            wrapped = rtp_wrap(data, len, o_.rtp, seq_++);
            data = wrapped.data();
            len = wrapped.size();
        }
        std::string error;
        switch (o_.mode) {
        case Mode::tcp_listen:
        case Mode::unix_listen:
        case Mode::unixpacket_listen:
            if (!client_) return;
            if (o_.mode == Mode::unixpacket_listen
                    ? ::send(client_.get(), data, len, MSG_NOSIGNAL) != static_cast<ssize_t>(len)
                    : !write_all(client_.get(), data, len, -1, std::chrono::milliseconds(5000), error)) {
                LogLine(LogLevel::info, "client_gone").kv("reason", error.empty() ? std::strerror(errno) : error);
                client_.reset();
            }
            return;
        case Mode::unixgram:
            if (peer_len_ == 0) return;
            if (::sendto(socket_.get(), data, len, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&peer_), peer_len_) < 0) {
                LogLine(LogLevel::info, "receiver_gone").kv("reason", std::strerror(errno));
                peer_len_ = 0;
            }
            return;
        case Mode::udp_send:
            // Nobody listening yet is normal for UDP: the datagram is lost, as on a real network.
            ::sendto(socket_.get(), data, len, 0, reinterpret_cast<sockaddr*>(&dest_), dest_len_);
            return;
        case Mode::udp_send_many:
            send_to_groups(data, len);
            return;
        }
    }

    // udp-send-many: one message per group, all naming the one iovec that holds the datagram, so
    // a datagram goes to every group in a few sendmmsg() calls and is never copied here.
    void address_groups() {
        const auto& first = reinterpret_cast<const sockaddr_in&>(dest_);
        groups_.resize(o_.count, first);
        messages_.resize(o_.count);
        for (std::size_t i = 0; i < o_.count; ++i) {
            groups_[i].sin_addr.s_addr = htonl(ntohl(first.sin_addr.s_addr) + static_cast<uint32_t>(i));
            msghdr& m = messages_[i].msg_hdr;
            m.msg_name = &groups_[i];
            m.msg_namelen = sizeof groups_[i];
            m.msg_iov = &datagram_;
            m.msg_iovlen = 1;
        }
        LogLine(LogLevel::info, "groups").kv("count", o_.count);
    }

    void send_to_groups(const uint8_t* data, std::size_t len) {
        datagram_.iov_base = const_cast<uint8_t*>(data);
        datagram_.iov_len = len;
        std::size_t at = 0;
        while (at < messages_.size()) {
            const unsigned batch = static_cast<unsigned>(std::min<std::size_t>(messages_.size() - at, UIO_MAXIOV));
            const int sent = ::sendmmsg(socket_.get(), &messages_[at], batch, 0);
            if (sent < 0 && errno == EINTR) continue;
            // A datagram the kernel refused is lost, as on a real network; the next group still gets its own.
            at += sent > 0 ? static_cast<std::size_t>(sent) : 1;
        }
    }

    const Options& o_;
    UniqueFd socket_;
    UniqueFd client_;
    sockaddr_storage dest_{};  // udp-send
    socklen_t dest_len_ = 0;
    sockaddr_storage peer_{};  // unixgram: the receiver
    socklen_t peer_len_ = 0;
    uint16_t seq_ = 0;
    std::vector<sockaddr_in> groups_;  // udp-send-many
    std::vector<mmsghdr> messages_;
    iovec datagram_{};
};
}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse_args(argc, argv, options)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    return Pipe(options).run();
}
