// hls_players.cpp - the players' state machine (wait, connect, request, head, body) on level-triggered
// epoll loops, with a timer queue for the playlist reloads. Each worker thread owns its players.
#include "hls_players.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "common/net/http_message.h"
#include "common/net/unique_fd.h"
#include "common/net/url.h"
#include "common/ts/ts_packet.h"

namespace {
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr std::size_t kMaxHead = 16 * 1024;
constexpr int kMaxEvents = 512;
constexpr std::size_t kStartBehindEdge = 3;  // hls.js's liveSyncDurationCount
constexpr auto kRetryAfter = std::chrono::seconds(1);
constexpr auto kIdleWake = std::chrono::milliseconds(100);

Clock::duration seconds_of(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Segment numbers in a media playlist, in order, and the last EXTINF duration (0 when none).
void parse_playlist(const std::string& body, std::vector<uint64_t>& numbers, double& last_extinf) {
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#EXTINF:", 0) == 0) last_extinf = std::atof(line.c_str() + 8);
        else if (!line.empty() && line[0] != '#') numbers.push_back(std::strtoull(line.c_str(), nullptr, 10));
    }
}
}  // namespace

struct HlsPlayers::Player {
    enum class Phase { waiting, connecting, head, body };
    Phase phase = Phase::waiting;
    UniqueFd fd;
    bool wants_playlist = true;     // the next request: the playlist, else pending.front()
    std::deque<uint64_t> pending;   // listed, not fetched yet, in order
    uint64_t last_listed = 0;       // 0 until the first playlist
    double reload_s = 2;            // the last EXTINF
    Clock::time_point loaded;       // when the last playlist came
    std::string head;
    int status = 0;
    uint64_t body_left = 0;
    bool close_after = false;       // the response said Connection: close
    std::string body;               // a playlist's text, or a segment's first bytes
    std::atomic<uint64_t> segments{0};
};

class HlsPlayers::Worker {
public:
    Worker(const HlsTarget& target, Clock::duration spacing, int stop_fd)
        : target_(target), spacing_(spacing), epoll_(::epoll_create1(EPOLL_CLOEXEC)), stop_fd_(stop_fd), buffer_(kReadBuffer) {
        if (!epoll_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the stop signal
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_fd_, &ev) != 0)
            throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }

    void add(Player* p) { mine_.push_back(p); }
    void run();

    std::atomic<std::size_t> playing{0};
    std::atomic<uint64_t> bytes{0}, segments{0}, playlists{0}, missed{0}, bad{0}, connects{0};
    std::map<std::string, std::size_t> failures;  // read by the owner after the thread ended

private:
    using Due = std::pair<Clock::time_point, Player*>;

    void schedule(Player& p, Clock::time_point at) { due_.push({at, &p}); }
    void request(Player& p);
    void send_request(Player& p);
    void on_connected(Player& p);
    void on_readable(Player& p);
    bool on_head(Player& p, std::size_t& used, const uint8_t* data, std::size_t len);
    void on_body(Player& p, const uint8_t* data, std::size_t len);
    void complete(Player& p);
    void on_playlist(Player& p);
    void fail(Player& p, const std::string& why);
    bool watch(Player& p, int op, uint32_t events);
    static void add_relaxed(std::atomic<uint64_t>& counter, uint64_t n) {
        counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    const HlsTarget& target_;
    Clock::duration spacing_;
    UniqueFd epoll_;
    int stop_fd_;
    std::vector<uint8_t> buffer_;
    std::vector<Player*> mine_;
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
};

void HlsPlayers::Worker::run() {
    const Clock::time_point first = Clock::now();
    for (std::size_t i = 0; i < mine_.size(); ++i) schedule(*mine_[i], first + spacing_ * static_cast<Clock::rep>(i));
    epoll_event events[kMaxEvents];
    for (;;) {
        Clock::duration wait = kIdleWake;
        while (!due_.empty()) {
            const Clock::duration until = due_.top().first - Clock::now();
            if (until > Clock::duration::zero()) {
                wait = std::min(wait, until);
                break;
            }
            Player* p = due_.top().second;
            due_.pop();
            request(*p);
        }
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, static_cast<int>(ms.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        for (int i = 0; i < n; ++i) {
            auto* p = static_cast<Player*>(events[i].data.ptr);
            if (!p) return;
            if (p->phase == Player::Phase::connecting) on_connected(*p);
            else on_readable(*p);
        }
    }
}

bool HlsPlayers::Worker::watch(Player& p, int op, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &p;
    if (::epoll_ctl(epoll_.get(), op, p.fd.get(), &ev) == 0) return true;
    fail(p, std::string("epoll_ctl: ") + std::strerror(errno));
    return false;
}

// On the kept-alive connection when there is one, else on a new one.
void HlsPlayers::Worker::request(Player& p) {
    if (p.fd) return send_request(p);
    p.fd.reset(::socket(target_.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!p.fd) return fail(p, std::strerror(errno));
    add_relaxed(connects, 1);
    p.phase = Player::Phase::connecting;
    int rc = ::connect(p.fd.get(), reinterpret_cast<const sockaddr*>(&target_.address), target_.address_len);
    if (rc != 0 && errno != EINPROGRESS) return fail(p, std::strerror(errno));
    if (!watch(p, EPOLL_CTL_ADD, EPOLLOUT)) return;
    if (rc == 0) on_connected(p);
}

void HlsPlayers::Worker::on_connected(Player& p) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(p.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail(p, std::strerror(err));
    if (watch(p, EPOLL_CTL_MOD, EPOLLIN)) send_request(p);
}

void HlsPlayers::Worker::send_request(Player& p) {
    const std::string path = target_.prefix + (p.wants_playlist ? "index.m3u8" : std::to_string(p.pending.front()) + ".ts");
    const std::string head = "GET " + path + " HTTP/1.1\r\nHost: " + join_host_port(target_.host, target_.port) + "\r\nUser-Agent: restreamer-bench-hls\r\n\r\n";
    // Far smaller than an empty socket buffer: one send takes it or failed.
    ssize_t n = ::send(p.fd.get(), head.data(), head.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(head.size())) return fail(p, n < 0 ? std::strerror(errno) : "short request write");
    p.phase = Player::Phase::head;
    p.head.clear();
    p.body.clear();
}

void HlsPlayers::Worker::on_readable(Player& p) {
    for (;;) {
        ssize_t n = ::recv(p.fd.get(), buffer_.data(), buffer_.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (p.phase == Player::Phase::waiting) {
            // The server ended an idle keep-alive connection: the next request opens another.
            p.fd.reset();
            return;
        }
        if (n <= 0) return fail(p, n == 0 ? "closed by the server" : std::strerror(errno));
        std::size_t used = 0;
        if (p.phase == Player::Phase::head && !on_head(p, used, buffer_.data(), std::size_t(n))) return;
        if (p.phase == Player::Phase::body && std::size_t(n) > used) on_body(p, buffer_.data() + used, std::size_t(n) - used);
        if (static_cast<std::size_t>(n) < buffer_.size() || !p.fd) return;
    }
}

// True when the head is complete (`used`: its bytes in `data`); false when more is needed or it failed.
bool HlsPlayers::Worker::on_head(Player& p, std::size_t& used, const uint8_t* data, std::size_t len) {
    const std::size_t before = p.head.size();
    p.head.append(reinterpret_cast<const char*>(data), len);
    const std::size_t end = p.head.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (p.head.size() > kMaxHead) fail(p, "response head too long");
        return false;
    }
    auto head = parse_response_head(std::string_view(p.head).substr(0, end + 2));
    if (!head) return fail(p, "bad response head: " + head.error()), false;
    const std::string length = head->header("content-length");
    if (length.empty()) return fail(p, "no Content-Length"), false;
    p.status = head->status;
    p.body_left = std::strtoull(length.c_str(), nullptr, 10);
    p.close_after = head->header("connection") == "close";
    used = end + 4 - before;
    p.phase = Player::Phase::body;
    if (p.body_left == 0) complete(p);
    return true;
}

void HlsPlayers::Worker::on_body(Player& p, const uint8_t* data, std::size_t len) {
    const std::size_t take = std::size_t(std::min<uint64_t>(len, p.body_left));
    add_relaxed(bytes, take);
    // A playlist is kept whole; of a segment, the first packet's header is enough to check.
    const std::size_t keep = p.wants_playlist ? take : std::min(take, std::size_t(4) - std::min<std::size_t>(4, p.body.size()));
    p.body.append(reinterpret_cast<const char*>(data), keep);
    p.body_left -= take;
    if (p.body_left == 0) complete(p);
}

void HlsPlayers::Worker::complete(Player& p) {
    p.phase = Player::Phase::waiting;
    if (p.close_after) p.fd.reset();
    if (p.wants_playlist) {
        if (p.status != 200) return fail(p, "playlist: HTTP " + std::to_string(p.status));
        return on_playlist(p);
    }
    if (p.status == 200) {
        const auto* b = reinterpret_cast<const uint8_t*>(p.body.data());
        if (p.body.size() < 4 || b[0] != ts::kSyncByte || ((b[1] & 0x1f) << 8 | b[2]) != ts::kPidPat) add_relaxed(bad, 1);
        if (p.segments.load(std::memory_order_relaxed) == 0) ++playing;
        add_relaxed(segments, 1);
        p.segments.store(p.segments.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    } else if (p.status == 404) {
        add_relaxed(missed, 1);
    } else {
        return fail(p, "segment: HTTP " + std::to_string(p.status));
    }
    p.pending.pop_front();
    if (!p.pending.empty()) return schedule(p, Clock::now());
    p.wants_playlist = true;
    schedule(p, p.loaded + seconds_of(p.reload_s));
}

void HlsPlayers::Worker::on_playlist(Player& p) {
    add_relaxed(playlists, 1);
    p.loaded = Clock::now();
    std::vector<uint64_t> listed;
    double extinf = 0;
    parse_playlist(p.body, listed, extinf);
    if (extinf > 0) p.reload_s = extinf;
    const std::size_t from = p.last_listed == 0 && listed.size() > kStartBehindEdge ? listed.size() - kStartBehindEdge : 0;
    for (std::size_t i = from; i < listed.size(); ++i)
        if (listed[i] > p.last_listed) p.pending.push_back(listed[i]);
    if (!listed.empty()) p.last_listed = std::max(p.last_listed, listed.back());
    if (p.pending.empty()) return schedule(p, p.loaded + seconds_of(p.reload_s / 2));
    p.wants_playlist = false;
    schedule(p, p.loaded);
}

void HlsPlayers::Worker::fail(Player& p, const std::string& why) {
    ++failures[why];
    p.fd.reset();
    p.phase = Player::Phase::waiting;
    p.wants_playlist = true;
    p.pending.clear();
    schedule(p, Clock::now() + kRetryAfter);
}

HlsPlayers::HlsPlayers(const HlsTarget& target, std::size_t count, unsigned threads, double rate) : target_(target) {
    if (threads == 0) threads = 1;
    const auto spacing = rate > 0 ? seconds_of(threads / rate) : Clock::duration::zero();
    for (unsigned t = 0; t < threads; ++t) workers_.push_back(std::make_unique<Worker>(target_, spacing, stop_.fd()));
    for (std::size_t i = 0; i < count; ++i) {
        players_.push_back(std::make_unique<Player>());
        workers_[i % threads]->add(players_.back().get());
    }
    for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->run(); });
}

HlsPlayers::~HlsPlayers() { stop(); }

HlsPlayers::Progress HlsPlayers::progress() const {
    Progress p;
    for (const auto& w : workers_) {
        p.playing += w->playing.load(std::memory_order_relaxed);
        p.bytes += w->bytes.load(std::memory_order_relaxed);
        p.segments += w->segments.load(std::memory_order_relaxed);
        p.playlists += w->playlists.load(std::memory_order_relaxed);
        p.missed += w->missed.load(std::memory_order_relaxed);
        p.bad += w->bad.load(std::memory_order_relaxed);
        p.connects += w->connects.load(std::memory_order_relaxed);
    }
    return p;
}

std::vector<uint64_t> HlsPlayers::segments() const {
    std::vector<uint64_t> out;
    out.reserve(players_.size());
    for (const auto& p : players_) out.push_back(p->segments.load(std::memory_order_relaxed));
    return out;
}

void HlsPlayers::stop() {
    stop_.signal();
    for (auto& t : threads_) t.join();
    threads_.clear();
    for (auto& p : players_) p->fd.reset();
}

std::map<std::string, std::size_t> HlsPlayers::failures() const {
    std::map<std::string, std::size_t> all;
    for (const auto& w : workers_)
        for (const auto& [why, n] : w->failures) all[why] += n;
    return all;
}
