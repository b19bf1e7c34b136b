// floor_server.cpp - upstream over plain HTTP cut into shared batches of whole packets; viewers
// answered with "HTTP/1.0 200" and raw bytes, each holding only its place in the batches.
// Single-threaded: everything here runs on the one epoll loop.
#include "floor_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "common/net/http_message.h"
#include "common/net/net.h"
#include "common/net/url.h"
#include "common/ts/ts_packet.h"
#include "http_request.h"

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kUpstreamTimeout{5000};
constexpr std::size_t kBatchBytes = 64 * 1024 / ts::kPacketSize * ts::kPacketSize;
constexpr milliseconds kBatchAge{50};
// A viewer further behind than this many batches (6.4 s at 50 ms each) is dropped.
constexpr std::size_t kKeptBatches = 128;
constexpr std::size_t kReadSize = 256 * 1024;
constexpr int kMaxIov = 64;
constexpr char kResponseHead[] = "HTTP/1.0 200 OK\r\nContent-Type: video/mpeg\r\n\r\n";
// epoll tags for the non-viewer descriptors; viewers are tagged with their fd (>= 0).
constexpr uint64_t kTagUpstream = ~uint64_t(0), kTagListen = kTagUpstream - 1, kTagSignal = kTagUpstream - 2;

struct Viewer {
    UniqueFd fd;
    uint64_t batch = 0;       // its next byte is batch `batch`, at `offset`
    std::size_t offset = 0;
    bool waiting = false;     // its socket was full: EPOLLOUT is armed
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

class FloorServer {
public:
    FloorServer(UniqueFd upstream, bool chunked, UniqueFd listener, UniqueFd signals)
        : upstream_(std::move(upstream)), chunked_(chunked), listener_(std::move(listener)),
          signals_(std::move(signals)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}

    // Until SIGINT/SIGTERM (0) or the upstream ends (1).
    int run(std::vector<uint8_t> first_bytes);

private:
    bool watch(int fd, int op, uint32_t events, uint64_t tag);
    int batch_timeout_ms() const;
    bool read_upstream();
    void cut_batch(std::size_t bytes);
    void accept_viewers();
    void on_viewer(int fd, uint32_t events);
    bool send_owed(Viewer& v);
    void drop_viewer(int fd);
    void set_accepting(bool on);
    uint64_t next_batch() const { return first_batch_ + batches_.size(); }

    UniqueFd upstream_;
    bool chunked_;
    ChunkedDecoder decoder_;
    UniqueFd listener_;
    UniqueFd signals_;
    UniqueFd epoll_;
    std::vector<uint8_t> raw_;
    std::vector<uint8_t> pending_;  // the batch being filled; may end in a partial packet
    Clock::time_point pending_since_;
    std::deque<std::vector<uint8_t>> batches_;
    uint64_t first_batch_ = 0;      // the number of batches_.front()
    std::vector<std::vector<uint8_t>> spare_;  // buffers of trimmed batches, to reuse
    std::unordered_map<int, Viewer> viewers_;
    bool accepting_ = true;  // the listener is in the epoll set
};

bool FloorServer::watch(int fd, int op, uint32_t events, uint64_t tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    return ::epoll_ctl(epoll_.get(), op, fd, &ev) == 0;
}

int FloorServer::run(std::vector<uint8_t> first_bytes) {
    if (!epoll_ || !watch(upstream_.get(), EPOLL_CTL_ADD, EPOLLIN, kTagUpstream) ||
        !watch(listener_.get(), EPOLL_CTL_ADD, EPOLLIN, kTagListen) ||
        !watch(signals_.get(), EPOLL_CTL_ADD, EPOLLIN, kTagSignal))
        return fail(std::string("epoll: ") + std::strerror(errno));
    raw_ = std::move(first_bytes);
    epoll_event events[256];
    for (;;) {
        int n = ::epoll_wait(epoll_.get(), events, 256, batch_timeout_ms());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(std::string("epoll_wait: ") + std::strerror(errno));
        for (int i = 0; i < n; ++i) {
            uint64_t tag = events[i].data.u64;
            if (tag == kTagSignal) return 0;
            if (tag == kTagUpstream && !read_upstream()) return 1;
            if (tag == kTagListen) accept_viewers();
            if (tag < kTagSignal) on_viewer(static_cast<int>(tag), events[i].events);
        }
        if (pending_.size() >= ts::kPacketSize && Clock::now() - pending_since_ >= kBatchAge)
            cut_batch(pending_.size() / ts::kPacketSize * ts::kPacketSize);
    }
}

// Until the pending batch is due by age; forever while it holds no whole packet.
int FloorServer::batch_timeout_ms() const {
    if (pending_.size() < ts::kPacketSize) return -1;
    auto left = std::chrono::ceil<milliseconds>(pending_since_ + kBatchAge - Clock::now());
    return static_cast<int>(std::max<milliseconds::rep>(0, left.count()));
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
    if (pending_.empty()) pending_since_ = Clock::now();
    if (chunked_) {
        if (decoder_.feed(raw_.data(), raw_.size(), pending_) == ChunkedDecoder::Status::error) {
            fail("upstream: " + decoder_.error());
            return false;
        }
    } else {
        pending_.insert(pending_.end(), raw_.begin(), raw_.end());
    }
    raw_.clear();
    while (pending_.size() >= kBatchBytes) cut_batch(kBatchBytes);
    return true;
}

// The first `bytes` of pending_ become the next batch; every viewer not behind gets it in one send.
void FloorServer::cut_batch(std::size_t bytes) {
    std::vector<uint8_t> batch;
    if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
    }
    batch.assign(pending_.begin(), pending_.begin() + static_cast<long>(bytes));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(bytes));
    pending_since_ = Clock::now();
    batches_.push_back(std::move(batch));
    if (batches_.size() > kKeptBatches) {
        spare_.push_back(std::move(batches_.front()));
        batches_.pop_front();
        ++first_batch_;
    }
    for (auto it = viewers_.begin(); it != viewers_.end();) {
        Viewer& v = it->second;
        const bool behind = v.batch < first_batch_;
        if (behind) LogLine(LogLevel::warn, "viewer_dropped").kv("reason", "further behind than the kept batches");
        const bool keep = !behind && (v.waiting || send_owed(v));
        const int fd = v.fd.get();
        ++it;
        if (!keep) drop_viewer(fd);
    }
}

// One sendmsg of everything the viewer is owed (up to kMaxIov batches); arms or disarms EPOLLOUT
// as its socket filled or drained. False when the viewer is gone.
bool FloorServer::send_owed(Viewer& v) {
    iovec iov[kMaxIov];
    int count = 0;
    for (uint64_t b = v.batch; b < next_batch() && count < kMaxIov; ++b) {
        std::vector<uint8_t>& bytes = batches_[b - first_batch_];
        std::size_t skip = b == v.batch ? v.offset : 0;
        iov[count++] = {bytes.data() + skip, bytes.size() - skip};
    }
    if (count == 0) return true;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(v.fd.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    for (std::size_t sent = n > 0 ? std::size_t(n) : 0; sent > 0;) {
        std::size_t rest = batches_[v.batch - first_batch_].size() - v.offset;
        std::size_t step = std::min(rest, sent);
        sent -= step;
        v.offset += step;
        if (step == rest) ++v.batch, v.offset = 0;
    }
    bool behind = v.batch < next_batch();
    if (behind != v.waiting) {
        v.waiting = behind;
        watch(v.fd.get(), EPOLL_CTL_MOD, behind ? EPOLLIN | EPOLLOUT : EPOLLIN, static_cast<uint64_t>(v.fd.get()));
    }
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
        v.batch = next_batch();
        if (::send(fd, kResponseHead, sizeof kResponseHead - 1, MSG_NOSIGNAL) != ssize_t(sizeof kResponseHead - 1) ||
            !watch(fd, EPOLL_CTL_ADD, EPOLLIN, static_cast<uint64_t>(fd)))
            drop_viewer(fd);
    }
}

void FloorServer::set_accepting(bool on) {
    if (on == accepting_) return;
    accepting_ = on;
    if (on) watch(listener_.get(), EPOLL_CTL_ADD, EPOLLIN, kTagListen);
    else ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
}

void FloorServer::drop_viewer(int fd) {
    viewers_.erase(fd);
    set_accepting(true);
}

// The request and anything after it are ignored; only the viewer's end of the connection and room
// in its socket matter. A viewer dropped earlier in the same epoll round is not found.
void FloorServer::on_viewer(int fd, uint32_t events) {
    auto it = viewers_.find(fd);
    if (it == viewers_.end()) return;
    if (events & EPOLLIN) {
        char discard[4096];
        ssize_t n = ::recv(fd, discard, sizeof discard, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop_viewer(fd);
    }
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !send_owed(it->second)) drop_viewer(fd);
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
    Parsed<UpstreamUrl> url = parse_upstream_url(upstream);
    if (!url || url->scheme != UpstreamUrl::Scheme::http) return fail("--upstream needs an http:// URL");

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
    UniqueFd up = open_upstream(*url, chunked, first_bytes, error);
    if (!up) return fail("upstream " + url->text + ": " + error);
    if (::fcntl(up.get(), F_SETFL, ::fcntl(up.get(), F_GETFL) | O_NONBLOCK) != 0)
        return fail(std::string("fcntl: ") + std::strerror(errno));
    UniqueFd listener = listen_on(listen, bound, error);
    if (!listener) return fail(error);
    LogLine(LogLevel::info, "listening").kv("address", bound);
    FloorServer server(std::move(up), chunked, std::move(listener), std::move(signals));
    return server.run(std::move(first_bytes));
}
