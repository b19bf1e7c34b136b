// floor_server.cpp - upstream over plain HTTP, viewers answered with "HTTP/1.0 200" and raw bytes.
// A viewer whose socket is full loses the rest of that read; only the packet cut in the middle is
// finished later, so every viewer still gets whole packets (the bench checks continuity, not loss).
#include "floor_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/net/http_message.h"
#include "common/log.h"
#include "common/net/net.h"
#include "common/ts/ts_packet.h"
#include "common/net/url.h"
#include "http_request.h"

namespace {
using std::chrono::milliseconds;

constexpr milliseconds kUpstreamTimeout{5000};
constexpr std::size_t kReadSize = 1024 * 1024;
constexpr char kResponseHead[] = "HTTP/1.0 200 OK\r\nContent-Type: video/mpeg\r\n\r\n";
// epoll tags for the non-viewer descriptors; viewers are tagged with their fd (>= 0).
constexpr uint64_t kTagUpstream = ~uint64_t(0), kTagListen = kTagUpstream - 1, kTagSignal = kTagUpstream - 2;

struct Viewer {
    UniqueFd fd;
    uint8_t cut[ts::kPacketSize];  // the packet a short send() cut, whose tail is still owed
    std::size_t owed = 0;
};

int fail(const std::string& message) {
    LogLine(LogLevel::error, "floor_failed").kv("reason", message);
    return 1;
}

// The upstream's socket once it answered 200; the body bytes already read go to `body`.
UniqueFd open_upstream(const UpstreamUrl& url, bool& chunked, std::vector<uint8_t>& body, std::string& error) {
    HttpResponseHead head;
    UniqueFd fd = http_request(url.host, url.port, "GET", url.target, kUpstreamTimeout, head, body, error);
    if (fd && head.status != 200) {
        error = "upstream answered " + std::to_string(head.status);
        return UniqueFd();
    }
    chunked = head.is_chunked();
    return fd;
}

UniqueFd listen_on(const std::string& address, std::string& bound, std::string& error) {
    HostPort hp = split_host_port(address);
    auto port = hp.port == "0" ? std::optional<uint16_t>(0) : parse_port_number(hp.port);
    if (!hp.error.empty() || !port) {
        error = "bad listen address " + address;
        return UniqueFd();
    }
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (!resolve_address(hp.host, *port, SOCK_STREAM, addr, len, error)) return UniqueFd();
    UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int one = 1;
    if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd.get(), 4096) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        error = std::string("listen ") + address + ": " + std::strerror(errno);
        return UniqueFd();
    }
    bound = format_address(reinterpret_cast<sockaddr*>(&addr));
    return fd;
}

class FloorServer {
public:
    FloorServer(UniqueFd upstream, bool chunked, UniqueFd listener, UniqueFd signals)
        : upstream_(std::move(upstream)), chunked_(chunked), listener_(std::move(listener)),
          signals_(std::move(signals)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}

    // Until SIGINT/SIGTERM (0) or the upstream ends (1).
    int run(std::vector<uint8_t> first_bytes);

private:
    bool watch(int fd, uint64_t tag);
    bool read_upstream();
    void accept_viewers();
    void on_viewer(int fd);
    void drop_viewer(int fd);
    void set_accepting(bool on);
    void fan_out(const uint8_t* data, std::size_t len);
    static bool send_to(Viewer& v, const uint8_t* data, std::size_t len);

    UniqueFd upstream_;
    bool chunked_;
    ChunkedDecoder decoder_;
    UniqueFd listener_;
    UniqueFd signals_;
    UniqueFd epoll_;
    std::vector<uint8_t> raw_;
    std::vector<uint8_t> packets_;  // upstream payload; whole packets are sent, a partial one kept
    std::unordered_map<int, Viewer> viewers_;
    bool accepting_ = true;  // the listener is in the epoll set
};

bool FloorServer::watch(int fd, uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

int FloorServer::run(std::vector<uint8_t> first_bytes) {
    if (!epoll_ || !watch(upstream_.get(), kTagUpstream) || !watch(listener_.get(), kTagListen) ||
        !watch(signals_.get(), kTagSignal))
        return fail(std::string("epoll: ") + std::strerror(errno));
    raw_ = std::move(first_bytes);
    epoll_event events[256];
    for (;;) {
        int n = ::epoll_wait(epoll_.get(), events, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(std::string("epoll_wait: ") + std::strerror(errno));
        for (int i = 0; i < n; ++i) {
            uint64_t tag = events[i].data.u64;
            if (tag == kTagSignal) return 0;
            if (tag == kTagUpstream && !read_upstream()) return 1;
            if (tag == kTagListen) accept_viewers();
            if (tag < kTagSignal) on_viewer(static_cast<int>(tag));
        }
    }
}

bool FloorServer::read_upstream() {
    std::size_t have = raw_.size();
    raw_.resize(have + kReadSize);
    ssize_t n = ::recv(upstream_.get(), raw_.data() + have, kReadSize, 0);
    raw_.resize(have + (n > 0 ? std::size_t(n) : 0));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) {
        fail(n == 0 ? "upstream closed" : std::string("upstream: ") + std::strerror(errno));
        return false;
    }
    if (chunked_) {
        ChunkedDecoder::Status status = decoder_.feed(raw_.data(), raw_.size(), packets_);
        raw_.clear();
        if (status == ChunkedDecoder::Status::error) {
            fail("upstream: " + decoder_.error());
            return false;
        }
    } else if (packets_.empty()) {
        raw_.swap(packets_);  // the usual case: no copy
    } else {
        packets_.insert(packets_.end(), raw_.begin(), raw_.end());
        raw_.clear();
    }
    std::size_t whole = packets_.size() / ts::kPacketSize * ts::kPacketSize;
    if (whole > 0) fan_out(packets_.data(), whole);
    packets_.erase(packets_.begin(), packets_.begin() + static_cast<long>(whole));
    return true;
}

void FloorServer::accept_viewers() {
    for (;;) {
        int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
            LogLine(LogLevel::warn, "accept_failed").kv("reason", std::strerror(errno)).kv("viewers", viewers_.size());
            // Out of descriptors: the listener would stay readable and spin; resume when a viewer leaves.
            set_accepting(false);
            return;
        }
        Viewer& v = viewers_[fd];
        v.fd.reset(fd);
        if (::send(fd, kResponseHead, sizeof kResponseHead - 1, MSG_NOSIGNAL) != ssize_t(sizeof kResponseHead - 1) ||
            !watch(fd, static_cast<uint64_t>(fd)))
            drop_viewer(fd);
    }
}

void FloorServer::set_accepting(bool on) {
    if (on == accepting_) return;
    accepting_ = on;
    if (on) watch(listener_.get(), kTagListen);
    else ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
}

void FloorServer::drop_viewer(int fd) {
    viewers_.erase(fd);
    set_accepting(true);
}

// The request and anything after it are ignored; only the viewer's end of the connection matters.
void FloorServer::on_viewer(int fd) {
    char discard[4096];
    ssize_t n = ::recv(fd, discard, sizeof discard, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) drop_viewer(fd);
}

void FloorServer::fan_out(const uint8_t* data, std::size_t len) {
    for (auto it = viewers_.begin(); it != viewers_.end();) {
        if (send_to(it->second, data, len)) {
            ++it;
        } else {
            it = viewers_.erase(it);
            set_accepting(true);
        }
    }
}

bool FloorServer::send_to(Viewer& v, const uint8_t* data, std::size_t len) {
    if (v.owed > 0) {
        ssize_t n = ::send(v.fd.get(), v.cut + ts::kPacketSize - v.owed, v.owed, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN;
        v.owed -= std::size_t(n);
        if (v.owed > 0) return true;  // still full: this read is dropped for it
    }
    ssize_t n = ::send(v.fd.get(), data, len, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN;
    std::size_t cut = std::size_t(n) % ts::kPacketSize;
    if (std::size_t(n) < len && cut > 0) {
        std::memcpy(v.cut, data + n - cut, ts::kPacketSize);
        v.owed = ts::kPacketSize - cut;
    }
    return true;
}
}  // namespace

int floor_server_main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0", upstream;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string arg = argv[i];
        if (arg == "--listen") listen = argv[i + 1];
        else if (arg == "--upstream") upstream = argv[i + 1];
        else return fail("unknown option " + arg);
    }
    UrlParseResult url = parse_upstream_url(upstream);
    if (!url.url || url.url->scheme != UpstreamUrl::Scheme::http) return fail("--upstream needs an http:// URL");

    // Signals arrive through epoll so that the loop ends and every descriptor is closed by its owner.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK));

    std::string error, bound;
    bool chunked = false;
    std::vector<uint8_t> first_bytes;
    UniqueFd up = open_upstream(*url.url, chunked, first_bytes, error);
    if (!up) return fail("upstream " + url.url->text + ": " + error);
    if (::fcntl(up.get(), F_SETFL, ::fcntl(up.get(), F_GETFL) | O_NONBLOCK) != 0)
        return fail(std::string("fcntl: ") + std::strerror(errno));
    UniqueFd listener = listen_on(listen, bound, error);
    if (!listener) return fail(error);
    LogLine(LogLevel::info, "listening").kv("address", bound);
    FloorServer server(std::move(up), chunked, std::move(listener), std::move(signals));
    return server.run(std::move(first_bytes));
}
