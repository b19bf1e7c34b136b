// upstream_socket.cpp - tcp://, udp:// (unicast, multicast, RTP or plain) and unix:// upstreams.
// Used only by the stream's reader thread.
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "common/net/net.h"
#include "common/ts/rtp.h"
#include "server/upstreams/upstream.h"

namespace {
// Bursts of an encoder's keyframes must fit while the reader is busy fanning out.
constexpr int kReceiveBufferBytes = 4 << 20;
// Holds 7 TS packets with an RTP header, or any datagram of a 1500-byte MTU; grows on a larger one.
constexpr std::size_t kFirstSlotBytes = 2048;
constexpr std::size_t kMaxSlotBytes = 256 << 10;
constexpr std::size_t kMaxBatch = 64;
constexpr std::size_t kMaxBatchBytes = 1 << 20;

// Datagram sockets (udp, unixgram) and record sockets (unixpacket). One recvmmsg() takes every
// datagram that is queued (up to a batch); each read hands on their payloads, RTP headers stripped.
class DatagramUpstream : public Upstream {
public:
    // records: SOCK_SEQPACKET, where an empty record means the peer closed.
    DatagramUpstream(UniqueFd fd, const UpstreamOptions& options, bool records)
        : Upstream(options), fd_(std::move(fd)), records_(records) {}

    long read(uint8_t* buf, std::size_t len) override {
        while (next_ == pending_.size()) {
            if (ended_) return 0;
            if (!receive()) return -1;
        }
        std::size_t n = 0;
        while (next_ < pending_.size() && n < len) {
            Span& span = pending_[next_];
            const std::size_t take = std::min(span.size, len - n);
            std::memcpy(buf + n, storage_.data() + span.offset, take);
            n += take;
            span.offset += take;
            span.size -= take;
            if (span.size == 0) ++next_;
        }
        return static_cast<long>(n);
    }

private:
    struct Span {
        std::size_t offset;
        std::size_t size;
    };

    // Waits for and takes one batch; called only when every payload of the last one was handed on.
    bool receive() {
        const std::size_t batch = std::min(kMaxBatch, kMaxBatchBytes / slot_bytes_);
        if (storage_.size() != batch * slot_bytes_) {
            storage_.assign(batch * slot_bytes_, 0);
            iovecs_.resize(batch);
            headers_.assign(batch, mmsghdr{});
            for (std::size_t i = 0; i < batch; ++i) {
                iovecs_[i] = iovec{storage_.data() + i * slot_bytes_, slot_bytes_};
                headers_[i].msg_hdr.msg_iov = &iovecs_[i];
                headers_[i].msg_hdr.msg_iovlen = 1;
            }
        }
        for (;;) {
            if (!wait_readable(fd_.get(), options_.stop_fd, options_.read_timeout, error_)) return false;
            // MSG_TRUNC: msg_len is the datagram's real size, so a truncated one is recognised.
            int got = ::recvmmsg(fd_.get(), headers_.data(), static_cast<unsigned>(batch), MSG_DONTWAIT | MSG_TRUNC,
                                 nullptr);
            if (got < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                error_ = std::strerror(errno);
                return false;
            }
            pending_.clear();
            next_ = 0;
            std::size_t largest = 0;
            for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
                const std::size_t size = headers_[i].msg_len;
                if (records_ && size == 0) {
                    ended_ = true;
                    break;
                }
                largest = std::max(largest, size);
                // A truncated datagram lost its tail: drop it whole, the framer resyncs on the next.
                if (size > slot_bytes_) continue;
                const std::size_t offset = i * slot_bytes_;
                rtp::Payload payload = rtp::mp2t_payload(storage_.data() + offset, size);
                if (payload.framing == rtp::Framing::malformed || payload.size == 0) continue;
                pending_.push_back(Span{offset + payload.offset, payload.size});
            }
            if (largest > slot_bytes_) {
                while (slot_bytes_ < largest && slot_bytes_ < kMaxSlotBytes) slot_bytes_ *= 2;
            }
            return true;
        }
    }

    UniqueFd fd_;
    bool records_;
    bool ended_ = false;
    std::size_t slot_bytes_ = kFirstSlotBytes;
    std::vector<uint8_t> storage_;  // one slot per datagram of a batch
    std::vector<iovec> iovecs_;
    std::vector<mmsghdr> headers_;
    std::vector<Span> pending_;  // payloads of the last batch, in order
    std::size_t next_ = 0;       // first of pending_ not yet handed on
};

// SO_RCVBUFFORCE goes past net.core.rmem_max when the server may (CAP_NET_ADMIN); SO_RCVBUF is capped by it.
void set_receive_buffer(int fd, int bytes) {
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

// Returns 0 and the connected socket, or the errno of the failure.
int connect_unix(const std::string& path, int type, UniqueFd& out) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
    std::memcpy(addr.sun_path, path.data(), path.size());
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return errno;
    if (type == SOCK_DGRAM) {
        // Autobind: the kernel names the socket in the abstract namespace, so the sender can reply to it.
        sockaddr_un local{};
        local.sun_family = AF_UNIX;
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(sa_family_t)) != 0) return errno;
    }
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return errno;
    out = std::move(fd);
    return 0;
}

std::vector<int> unix_socket_types(UpstreamUrl::UnixType type) {
    switch (type) {
    case UpstreamUrl::UnixType::stream: return {SOCK_STREAM};
    case UpstreamUrl::UnixType::seqpacket: return {SOCK_SEQPACKET};
    case UpstreamUrl::UnixType::datagram: return {SOCK_DGRAM};
    case UpstreamUrl::UnixType::automatic: break;
    }
    // connect() tells a wrong type apart with EPROTOTYPE, so trying each in turn finds the right one.
    return {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
}
}  // namespace

std::chrono::milliseconds first_data_timeout(const UpstreamOptions& options) {
    return options.connect_timeout.count() > 0 ? options.connect_timeout : options.read_timeout;
}

std::unique_ptr<Upstream> open_tcp_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error) {
    UniqueFd fd = connect_tcp(url.host, url.port, options.stop_fd, options.connect_timeout, error);
    if (!fd) return nullptr;
    return std::make_unique<FdUpstream>(std::move(fd), options);
}

std::unique_ptr<Upstream> open_unix_upstream(const UpstreamUrl& url, const UpstreamOptions& options,
                                             std::string& error) {
    UniqueFd fd;
    int type = SOCK_STREAM;
    int err = 0;
    for (int candidate : unix_socket_types(url.unix_type)) {
        type = candidate;
        err = connect_unix(url.path, type, fd);
        if (err != EPROTOTYPE) break;
    }
    if (err != 0) {
        error = "connect to " + url.path + ": " + std::strerror(err);
        return nullptr;
    }
    if (type == SOCK_STREAM) return std::make_unique<FdUpstream>(std::move(fd), options);
    if (type == SOCK_SEQPACKET) return std::make_unique<DatagramUpstream>(std::move(fd), options, true);
    // A datagram sender cannot know who listens: an empty datagram tells it our (autobound) address.
    if (::send(fd.get(), "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) != 0 && errno != EAGAIN) {
        error = "hello to " + url.path + ": " + std::strerror(errno);
        return nullptr;
    }
    if (!wait_readable(fd.get(), options.stop_fd, first_data_timeout(options), error)) return nullptr;
    return std::make_unique<DatagramUpstream>(std::move(fd), options, false);
}

std::unique_ptr<Upstream> open_udp_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error) {
    sockaddr_storage local{};
    socklen_t local_len = 0;
    if (!resolve_address(url.host, url.port, SOCK_DGRAM, local, local_len, error)) return nullptr;
    const bool multicast = is_multicast(reinterpret_cast<sockaddr*>(&local));
    unsigned ifindex = 0;
    sockaddr_storage source{};
    bool has_source = false;
    for (const auto& [key, value] : url.query) {
        if (!multicast) return error = key + " applies to multicast groups only", nullptr;
        if (key == "iface") {
            ifindex = ::if_nametoindex(value.c_str());
            if (ifindex == 0) return error = "interface " + value + ": " + std::strerror(errno), nullptr;
        } else if (key == "source") {
            socklen_t source_len = 0;
            if (!resolve_address(value, 0, SOCK_DGRAM, source, source_len, error)) return nullptr;
            if (source.ss_family != local.ss_family)
                return error = "source " + value + " and group " + url.host + " are not of one IP version", nullptr;
            has_source = true;
        }
    }

    UniqueFd fd(::socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return error = std::string("socket: ") + std::strerror(errno), nullptr;
    // Several streams, or another program, may listen to one group and port.
    const int on = 1, off = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    set_receive_buffer(fd.get(), kReceiveBufferBytes);
    if (multicast) {
        // Binding to the group, and MULTICAST_ALL off: otherwise Linux hands the socket the datagrams
        // of every group that any socket on the host joined on this port.
        if (local.ss_family == AF_INET6) {
            ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off);
            reinterpret_cast<sockaddr_in6*>(&local)->sin6_scope_id = ifindex;  // needed for link-local groups
        } else {
            ::setsockopt(fd.get(), IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
        }
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
        error = "bind " + join_host_port(url.host, url.port) + ": " + std::strerror(errno);
        return nullptr;
    }
    if (multicast && !join_multicast(fd.get(), reinterpret_cast<sockaddr*>(&local),
                                     has_source ? reinterpret_cast<sockaddr*>(&source) : nullptr, ifindex, error)) {
        error = "join " + url.host + ": " + error;
        return nullptr;
    }
    if (!wait_readable(fd.get(), options.stop_fd, first_data_timeout(options), error)) return nullptr;
    return std::make_unique<DatagramUpstream>(std::move(fd), options, false);
}
