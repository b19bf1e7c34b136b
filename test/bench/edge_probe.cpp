// edge_probe.cpp - the tap (accept, relay the request, relay the response while noting PCRs) and the
// viewer (read the server's body, look each PCR up by the kernel's receive time).
#include "edge_probe.h"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <stdexcept>

#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"
#include "http_request.h"
#include "socket_clock.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kIoTimeout{10000};
constexpr int64_t kForgetAfterNs = 60'000'000'000;  // far more than any server's cache of the past
constexpr std::size_t kReadSize = 64 * 1024;

// Calls fn(key) for each packet carrying a PCR; the key holds the PID too, in case several PIDs do.
template <typename Fn>
void for_each_pcr(const std::vector<uint8_t>& packets, Fn fn) {
    for (std::size_t at = 0; at + ts::kPacketSize <= packets.size(); at += ts::kPacketSize) {
        const ts::PacketView view(packets.data() + at);
        if (view.has_pcr()) fn(uint64_t(view.pid()) << 48 | view.pcr());
    }
}

// Reads an HTTP head from fd up to its blank line; the bytes after it go to `rest`.
bool read_head(int fd, int stop_fd, std::string& head, std::string& rest, std::string& error) {
    char buf[4096];
    std::size_t end;
    while ((end = head.find("\r\n\r\n")) == std::string::npos) {
        long n = read_with_deadline(fd, buf, sizeof buf, stop_fd, kIoTimeout, error);
        if (n <= 0) return error = n == 0 ? "closed before the head ended" : error, false;
        head.append(buf, std::size_t(n));
    }
    rest = head.substr(end + 4);
    head.resize(end + 4);
    return true;
}
}  // namespace

LiveEdgeProbe::LiveEdgeProbe(std::string source_host, uint16_t source_port)
    : source_host_(std::move(source_host)), source_port_(source_port) {
    std::string bound, error;
    listener_ = listen_on("127.0.0.1:0", bound, error);
    if (!listener_) throw std::runtime_error("live-edge tap: " + error);
    tap_port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    tap_thread_ = std::thread([this] { accept_loop(); });
}

LiveEdgeProbe::~LiveEdgeProbe() {
    stop_.signal();
    tap_thread_.join();
    if (viewer_thread_.joinable()) viewer_thread_.join();
}

void LiveEdgeProbe::watch(const std::string& host, uint16_t port, const std::string& path) {
    viewer_thread_ = std::thread([this, host, port, path] { view(host, port, path); });
}

EdgeFigures LiveEdgeProbe::take() {
    std::lock_guard<std::mutex> lock(mutex_);
    EdgeFigures out{percentiles(std::move(delays_ms_)), unmatched_};
    delays_ms_.clear();
    unmatched_ = 0;
    return out;
}

std::optional<int64_t> LiveEdgeProbe::tapped_at(uint16_t pid, uint64_t pcr) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tapped_.find(uint64_t(pid) << 48 | pcr);
    if (it == tapped_.end()) return std::nullopt;
    return it->second;
}

std::string LiveEdgeProbe::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

void LiveEdgeProbe::set_error(const std::string& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = error;
}

void LiveEdgeProbe::accept_loop() {
    while (wait_fd(listener_.get(), POLLIN, stop_.fd(), milliseconds(0)) == WaitResult::ready) {
        UniqueFd server(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!server) continue;
        std::string why = relay(server.get());
        if (!stop_.is_signalled()) set_error("tap: " + why);
    }
}

// Until either side ends. The server's own connection handling decides whether it comes back.
std::string LiveEdgeProbe::relay(int server_fd) {
    std::string request, rest, error;
    if (!read_head(server_fd, stop_.fd(), request, rest, error)) return "request: " + error;
    UniqueFd source = connect_tcp(source_host_, source_port_, stop_.fd(), kIoTimeout, error);
    if (!source || !write_all(source.get(), request.data(), request.size(), stop_.fd(), kIoTimeout, error))
        return "source: " + error;
    std::string head;  // the source's response head, until its blank line went by
    bool in_body = false;
    TsFramer framer;
    std::vector<uint8_t> buf(kReadSize), packets;
    for (;;) {
        long n = read_with_deadline(source.get(), buf.data(), buf.size(), stop_.fd(), kIoTimeout, error);
        if (n <= 0) return n == 0 ? "the source closed" : "source: " + error;
        if (!write_all(server_fd, buf.data(), std::size_t(n), stop_.fd(), kIoTimeout, error)) return "server: " + error;
        // Stamped once the server's socket has the bytes: neither the source's pace nor how soon
        // this thread got a CPU is counted as the server's.
        const int64_t at_ns = realtime_ns();
        const uint8_t* body = buf.data();
        std::size_t len = std::size_t(n);
        if (!in_body) {
            head.append(reinterpret_cast<const char*>(body), len);
            std::size_t end = head.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            in_body = true;
            std::size_t skip = len - (head.size() - (end + 4));
            body += skip;
            len -= skip;
        }
        framer.push(body, len, packets);
        note_tapped(packets, at_ns);
        packets.clear();
    }
}

void LiveEdgeProbe::view(const std::string& host, uint16_t port, const std::string& path) {
    HttpResponseHead head;
    std::vector<uint8_t> body, packets;
    std::string error;
    UniqueFd fd = http_request(host, port, "GET", path, kIoTimeout, head, body, error);
    if (fd && head.status != 200) error = "HTTP " + std::to_string(head.status);
    if (!fd || head.status != 200) return set_error("viewer: " + error);
    const int64_t since = realtime_ns();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        viewer_since_ns_ = since;
    }
    enable_receive_timestamps(fd.get());
    TsFramer framer;
    framer.push(body.data(), body.size(), packets);
    note_viewed(packets, since);
    std::vector<uint8_t> buf(kReadSize);
    for (;;) {
        packets.clear();
        if (!wait_readable(fd.get(), stop_.fd(), kIoTimeout, error)) break;
        int64_t at_ns = 0;
        ssize_t n = recv_stamped(fd.get(), buf.data(), buf.size(), at_ns);
        if (n <= 0) {
            error = n == 0 ? "the server closed the stream" : "read failed";
            break;
        }
        framer.push(buf.data(), std::size_t(n), packets);
        note_viewed(packets, at_ns ? at_ns : realtime_ns());
    }
    if (!stop_.is_signalled()) set_error("viewer: " + error);
}

void LiveEdgeProbe::note_tapped(const std::vector<uint8_t>& packets, int64_t at_ns) {
    std::lock_guard<std::mutex> lock(mutex_);
    for_each_pcr(packets, [&](uint64_t key) {
        tapped_[key] = at_ns;
        tapped_order_.emplace_back(at_ns, key);
    });
    while (!tapped_order_.empty() && tapped_order_.front().first < at_ns - kForgetAfterNs) {
        auto it = tapped_.find(tapped_order_.front().second);
        // A looping source sends a PCR again after a reconnect; only the entry this one wrote goes.
        if (it != tapped_.end() && it->second == tapped_order_.front().first) tapped_.erase(it);
        tapped_order_.pop_front();
    }
}

void LiveEdgeProbe::note_viewed(const std::vector<uint8_t>& packets, int64_t at_ns) {
    std::lock_guard<std::mutex> lock(mutex_);
    for_each_pcr(packets, [&](uint64_t key) {
        auto it = tapped_.find(key);
        if (it == tapped_.end()) ++unmatched_;
        else if (it->second >= viewer_since_ns_) delays_ms_.push_back(double(at_ns - it->second) / 1e6);
    });
}
