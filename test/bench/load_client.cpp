// load_client.cpp - the viewers' state machine (connect, request, head, body) on level-triggered epoll loops.
// Each worker thread owns its connections outright; the owner reads only the atomic counters.
#include "load_client.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "common/net/http_message.h"
#include "common/net/unique_fd.h"
#include "socket_clock.h"
#include "stream_probe.h"

namespace {
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr std::size_t kMaxHead = 16 * 1024;
constexpr int kMaxEvents = 512;
constexpr auto kUnreadSample = std::chrono::milliseconds(250);

double ms_since(Clock::time_point start, Clock::time_point now) {
    return std::chrono::duration<double, std::milli>(now - start).count();
}

std::string errno_name(int err) {
    switch (err) {
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ECONNREFUSED: return "connection refused";
    case ECONNRESET: return "connection reset";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL (no free local port)";
    case ETIMEDOUT: return "timed out";
    default: return std::strerror(err);
    }
}
}  // namespace

struct LoadClients::Connection {
    enum class Phase { waiting, connecting, head, body, ended };
    Phase phase = Phase::waiting;
    const LoadTarget* target = nullptr;
    UniqueFd fd;
    Clock::time_point started;
    int64_t started_realtime_ns = 0;  // the same instant, for the kernel's receive timestamps
    std::string head;
    bool chunked = false;
    ChunkedDecoder decoder;
    std::unique_ptr<StreamProbe> probe;  // made when the head arrives: 32 KiB of continuity state
    std::atomic<uint64_t> bytes{0};      // written by the worker only, read by the owner
    ViewerResult result;
};

class LoadClients::Worker {
public:
    // `spacing`: between this worker's connects; zero for all at once.
    Worker(Clock::duration spacing, int stop_fd)
        : spacing_(spacing), epoll_(::epoll_create1(EPOLL_CLOEXEC)), stop_fd_(stop_fd),
          buffer_(kReadBuffer) {
        if (!epoll_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the stop signal
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_fd_, &ev) != 0)
            throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }

    void add(Connection* c) { mine_.push_back(c); }
    void run();

    std::atomic<std::size_t> answered{0}, receiving{0}, failed{0}, ended{0};
    std::atomic<uint64_t> unread{0};

private:
    // Starts the connects that are due; returns how long until the next one is (or `idle`).
    Clock::duration start_connects(Clock::duration idle);
    void sample_unread();
    void start(Connection& c);
    void on_connected(Connection& c);
    void on_readable(Connection& c);
    // `at_ms`: when the bytes reached this viewer's socket, in ms since its connect().
    void on_head(Connection& c, const uint8_t* data, std::size_t len, double at_ms);
    void on_body(Connection& c, const uint8_t* data, std::size_t len, double at_ms);
    void on_payload(Connection& c, const uint8_t* data, std::size_t len, double at_ms);
    void finish(Connection& c, std::string why);
    bool watch(Connection& c, int op, uint32_t events);

    std::vector<Connection*> mine_;
    std::size_t next_ = 0;     // mine_[next_] is the next to connect
    Clock::duration spacing_;
    Clock::time_point first_connect_;  // when paced: connect k is due spacing_ * k after it
    UniqueFd epoll_;
    int stop_fd_;
    std::vector<uint8_t> buffer_;
    std::vector<uint8_t> decoded_;
};

void LoadClients::Worker::run() {
    epoll_event events[kMaxEvents];
    Clock::time_point next_sample = Clock::now();
    first_connect_ = Clock::now();
    for (;;) {
        const Clock::duration next_connect = start_connects(kUnreadSample);
        if (Clock::now() >= next_sample) {
            sample_unread();
            next_sample = Clock::now() + kUnreadSample;
        }
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_connect);
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, static_cast<int>(wait.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<Connection*>(events[i].data.ptr);
            if (!c) {
                for (Connection* mine : mine_) mine->fd.reset();
                return;
            }
            if (c->phase == Connection::Phase::connecting) on_connected(*c);
            else if (c->phase == Connection::Phase::head || c->phase == Connection::Phase::body) on_readable(*c);
        }
    }
}

Clock::duration LoadClients::Worker::start_connects(Clock::duration idle) {
    while (next_ < mine_.size()) {
        if (spacing_ != Clock::duration::zero()) {
            const Clock::duration until_due = first_connect_ + spacing_ * static_cast<Clock::rep>(next_) - Clock::now();
            if (until_due > Clock::duration::zero()) return std::min(idle, until_due);
        }
        start(*mine_[next_++]);
    }
    return idle;
}

void LoadClients::Worker::sample_unread() {
    uint64_t total = 0;
    for (Connection* c : mine_) {
        int queued = 0;
        if (c->phase == Connection::Phase::body && ::ioctl(c->fd.get(), FIONREAD, &queued) == 0) total += uint64_t(queued);
    }
    unread.store(total, std::memory_order_relaxed);
}

bool LoadClients::Worker::watch(Connection& c, int op, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &c;
    if (::epoll_ctl(epoll_.get(), op, c.fd.get(), &ev) == 0) return true;
    finish(c, std::string("epoll_ctl: ") + std::strerror(errno));
    return false;
}

void LoadClients::Worker::start(Connection& c) {
    c.started = Clock::now();
    c.started_realtime_ns = realtime_ns();
    const LoadTarget& target = *c.target;
    c.fd.reset(::socket(target.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) return finish(c, errno_name(errno));
    // The times to first byte and keyframe are when the kernel got the data, not when this loop,
    // busy with up to 2000 other viewers, came to read it: the bench measures the server.
    enable_receive_timestamps(c.fd.get());
    c.phase = Connection::Phase::connecting;
    int rc = ::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&target.address), target.address_len);
    if (rc != 0 && errno != EINPROGRESS) return finish(c, errno_name(errno));
    if (!watch(c, EPOLL_CTL_ADD, EPOLLOUT)) return;
    if (rc == 0) on_connected(c);
}

void LoadClients::Worker::on_connected(Connection& c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return finish(c, errno_name(err));
    c.result.connect_ms = ms_since(c.started, Clock::now());
    // The request is far smaller than an empty socket buffer: one send either takes it or failed.
    const std::string& request = c.target->request;
    ssize_t n = ::send(c.fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(request.size())) return finish(c, n < 0 ? errno_name(errno) : "short request write");
    c.phase = Connection::Phase::head;
    watch(c, EPOLL_CTL_MOD, EPOLLIN);
}

void LoadClients::Worker::on_readable(Connection& c) {
    for (;;) {
        // Stamps are wanted until the first keyframe and while the probe checks the pace after it;
        // after that a plain recv() costs less.
        const bool stamped = !c.probe || c.probe->measuring_startup();
        int64_t received_ns = 0;
        ssize_t n = stamped ? recv_stamped(c.fd.get(), buffer_.data(), buffer_.size(), received_ns)
                            : ::recv(c.fd.get(), buffer_.data(), buffer_.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0) return finish(c, errno_name(errno));
        if (n == 0) return finish(c, "closed by peer");
        const double at_ms = received_ns != 0 ? double(received_ns - c.started_realtime_ns) / 1e6 : ms_since(c.started, Clock::now());
        if (c.phase == Connection::Phase::head) on_head(c, buffer_.data(), static_cast<std::size_t>(n), at_ms);
        else on_body(c, buffer_.data(), static_cast<std::size_t>(n), at_ms);
        // A short read emptied the socket: save the recv() that would only say EAGAIN.
        if (c.phase == Connection::Phase::ended || static_cast<std::size_t>(n) < buffer_.size()) return;
    }
}

void LoadClients::Worker::on_head(Connection& c, const uint8_t* data, std::size_t len, double at_ms) {
    c.head.append(reinterpret_cast<const char*>(data), len);
    std::size_t end = c.head.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (c.head.size() > kMaxHead) finish(c, "response head too long");
        return;
    }
    auto head = parse_response_head(std::string_view(c.head).substr(0, end + 2));
    if (!head) return finish(c, "bad response head: " + head.error());
    if (head->status != 200) return finish(c, "HTTP " + std::to_string(head->status));
    c.result.got_head = true;
    c.result.head_ms = at_ms;
    ++answered;
    c.chunked = head->is_chunked();
    c.probe = std::make_unique<StreamProbe>();
    c.phase = Connection::Phase::body;
    std::string rest = c.head.substr(end + 4);
    std::string().swap(c.head);
    if (!rest.empty()) on_body(c, reinterpret_cast<const uint8_t*>(rest.data()), rest.size(), at_ms);
}

void LoadClients::Worker::on_body(Connection& c, const uint8_t* data, std::size_t len, double at_ms) {
    if (!c.chunked) return on_payload(c, data, len, at_ms);
    decoded_.clear();
    ChunkedDecoder::Status status = c.decoder.feed(data, len, decoded_);
    on_payload(c, decoded_.data(), decoded_.size(), at_ms);
    if (status == ChunkedDecoder::Status::error) finish(c, "bad chunked body: " + c.decoder.error());
    else if (status == ChunkedDecoder::Status::done) finish(c, "body ended");
}

void LoadClients::Worker::on_payload(Connection& c, const uint8_t* data, std::size_t len, double at_ms) {
    if (len == 0) return;
    if (c.result.first_byte_ms < 0) {
        c.result.first_byte_ms = at_ms;
        ++receiving;
    }
    // Single writer: a plain store avoids a locked add per read.
    c.bytes.store(c.bytes.load(std::memory_order_relaxed) + len, std::memory_order_relaxed);
    if (c.probe->feed(data, len, at_ms)) c.result.keyframe_ms = at_ms;
}

void LoadClients::Worker::finish(Connection& c, std::string why) {
    if (c.phase == Connection::Phase::ended) return;
    bool before_head = c.phase != Connection::Phase::body;
    ++(before_head ? failed : ended);
    c.result.failure = std::move(why);
    c.phase = Connection::Phase::ended;
    c.fd.reset();  // closing also removes it from the epoll set
}

LoadClients::LoadClients(const LoadTarget& target, std::size_t count, unsigned threads, double rate)
    : LoadClients(std::vector<LoadTarget>{target}, count, threads, rate) {}

LoadClients::LoadClients(std::vector<LoadTarget> targets, std::size_t count, unsigned threads, double rate)
    : targets_(std::move(targets)) {
    if (threads == 0) threads = 1;
    if (targets_.empty()) throw std::invalid_argument("LoadClients: no target");
    // Each worker paces its own share; together they make `rate`.
    const auto spacing = rate > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(threads / rate))
                                  : Clock::duration::zero();
    for (unsigned t = 0; t < threads; ++t)
        workers_.push_back(std::make_unique<Worker>(spacing, stop_.fd()));
    for (std::size_t i = 0; i < count; ++i) {
        connections_.push_back(std::make_unique<Connection>());
        connections_.back()->target = &targets_[i % targets_.size()];
        workers_[i % threads]->add(connections_.back().get());
    }
    for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->run(); });
}

LoadClients::~LoadClients() { stop(); }

LoadClients::Progress LoadClients::progress() const {
    Progress p;
    for (const auto& w : workers_) {
        p.answered += w->answered.load(std::memory_order_relaxed);
        p.receiving += w->receiving.load(std::memory_order_relaxed);
        p.failed += w->failed.load(std::memory_order_relaxed);
        p.ended += w->ended.load(std::memory_order_relaxed);
        p.unread_bytes += w->unread.load(std::memory_order_relaxed);
    }
    return p;
}

std::vector<uint64_t> LoadClients::bytes() const {
    std::vector<uint64_t> out;
    out.reserve(connections_.size());
    for (const auto& c : connections_) out.push_back(c->bytes.load(std::memory_order_relaxed));
    return out;
}

void LoadClients::stop() {
    stop_.signal();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

std::vector<ViewerResult> LoadClients::results() const {
    std::vector<ViewerResult> out;
    out.reserve(connections_.size());
    for (const auto& c : connections_) {
        ViewerResult r = c->result;
        using Phase = Connection::Phase;
        if (c->phase == Phase::waiting) r.failure = "not started";
        if (c->phase == Phase::connecting) r.failure = "connect not completed";
        if (c->phase == Phase::head) r.failure = "no response head";
        r.bytes = c->bytes.load(std::memory_order_relaxed);
        if (c->probe) {
            r.cc_errors = c->probe->cc_errors();
            r.startup_stall_ms = c->probe->startup_stall_ms();
            r.sync_losses = c->probe->sync_losses();
        }
        out.push_back(std::move(r));
    }
    return out;
}
