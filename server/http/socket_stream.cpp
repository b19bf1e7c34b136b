// socket_stream.cpp - buffered reads with deadlines, and writes with a timeout; a stop signal cuts
// every wait short.
#include "server/http/socket_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstring>
#include <strings.h>

#include "common/net/net.h"

using namespace std::chrono;

namespace {
// httplib's own read buffer per request; enough for the heads players send (a few hundred bytes),
// so a viewer's connection holds no more than before. A longer head grows it up to its limit.
constexpr std::size_t kInitialBufferBytes = 4096;
// A head ends at its first empty line: httplib ends it at the first line that is exactly CRLF.
constexpr char kHeadEnd[] = "\n\r\n";
constexpr std::size_t kHeadEndBytes = sizeof kHeadEnd - 1;

using AddressFunction = int (*)(int, sockaddr*, socklen_t*);

void ask_address(int fd, AddressFunction ask, std::string& ip, int& port) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (ask(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ip.clear();
        port = 0;
        return;
    }
    split_address(reinterpret_cast<const sockaddr*>(&address), ip, port);
}
}  // namespace

SocketStream::SocketStream(int fd, int stop_fd, milliseconds read_timeout, milliseconds write_timeout)
    : fd_(fd), stop_fd_(stop_fd), read_timeout_(read_timeout), write_timeout_(write_timeout), buffer_(kInitialBufferBytes) {}

SocketStream::HeadResult SocketStream::read_head(std::size_t max_bytes, Clock::time_point deadline) {
    compact();
    std::size_t skipped = 0;  // empty lines before the request line count towards the limit
    std::size_t searched = 0;  // bytes after begin_ that cannot hold the start of the head's end
    for (;;) {
        while (begin_ < end_ && (buffer_[begin_] == '\r' || buffer_[begin_] == '\n')) {
            ++begin_;
            ++skipped;
        }
        const char* first = buffer_.data() + begin_;
        const char* last = buffer_.data() + end_;
        const char* found = std::search(first + searched, last, kHeadEnd, kHeadEnd + kHeadEndBytes);
        if (found != last) {
            head_bytes_ = static_cast<std::size_t>(found - first) + kHeadEndBytes;
            return skipped + head_bytes_ <= max_bytes ? HeadResult::complete : HeadResult::too_large;
        }
        searched = buffered() >= kHeadEndBytes - 1 ? buffered() - (kHeadEndBytes - 1) : 0;
        if (skipped + buffered() >= max_bytes) return HeadResult::too_large;
        if (end_ == buffer_.size()) {
            if (begin_ > 0) compact();
            else buffer_.resize(std::min(2 * buffer_.size(), std::max(max_bytes, buffer_.size())));
        }
        switch (fill(deadline)) {
        case Fill::data: continue;
        case Fill::closed:
        case Fill::failed: return HeadResult::closed;
        case Fill::timed_out: return HeadResult::timed_out;
        case Fill::stopped: return HeadResult::stopped;
        }
    }
}

std::string SocketStream::remove_field(std::string_view name) {
    std::string value;
    char* const head = buffer_.data() + begin_;
    // Field lines start after the request line; the head ends with its empty line (2 bytes).
    auto line = static_cast<std::size_t>(std::find(head, head + head_bytes_, '\n') - head) + 1;
    while (line + 2 < head_bytes_) {
        const auto next = static_cast<std::size_t>(std::find(head + line, head + head_bytes_, '\n') - head) + 1;
        const bool named = next - line > name.size() && head[line + name.size()] == ':' &&
                           ::strncasecmp(head + line, name.data(), name.size()) == 0;
        if (!named) {
            line = next;
            continue;
        }
        if (value.empty()) {
            std::string_view text(head + line + name.size() + 1, next - line - name.size() - 1);
            while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
            while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
                text.remove_suffix(1);
            value = text;
        }
        std::memmove(head + line, head + next, end_ - begin_ - next);
        end_ -= next - line;
        head_bytes_ -= next - line;
    }
    return value;
}

bool SocketStream::has_unread_input() const {
    char byte;
    return begin_ < end_ || ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void SocketStream::linger(Clock::time_point deadline, std::size_t max_bytes) {
    ::shutdown(fd_, SHUT_WR);
    for (std::size_t discarded = 0; discarded < max_bytes; discarded += end_) {
        begin_ = end_ = 0;
        if (fill(deadline) != Fill::data) return;
    }
}

bool SocketStream::is_readable() const {
    return begin_ < end_ || wait_fd(fd_, POLLIN, stop_fd_, read_timeout_) == WaitResult::ready;
}

ssize_t SocketStream::read(char* ptr, std::size_t size) {
    if (begin_ == end_) {
        begin_ = end_ = 0;
        switch (fill(Clock::now() + read_timeout_)) {
        case Fill::data: break;
        case Fill::closed: return 0;
        default: return -1;
        }
    }
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
}

// Not a blocking send bounded by SO_SNDTIMEO: the kernel counts that timeout over the whole call, so
// a send that has queued some bytes returns them after the timeout, and a peer that takes nothing
// would be waited for twice. Here the wait for room starts again whenever the socket takes bytes.
ssize_t SocketStream::write(const char* ptr, std::size_t size) {
    if (write_error_ != 0) return -1;
    std::size_t sent = 0;
    for (;;) {
        const ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) sent += static_cast<std::size_t>(n);
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return fail_write(errno);
        if (sent == size) return static_cast<ssize_t>(size);
        switch (wait_fd(fd_, POLLOUT, stop_fd_, write_timeout_)) {
        case WaitResult::ready: continue;
        case WaitResult::timeout: return fail_write(EAGAIN);
        case WaitResult::stopped: return fail_write(ECANCELED);
        case WaitResult::error: return fail_write(errno);
        }
    }
}

bool SocketStream::write_vectored(iovec* iov, std::size_t count) {
    if (write_error_ != 0) return false;
    while (count > 0) {
        msghdr message{};
        message.msg_iov = iov;
        message.msg_iovlen = std::min<std::size_t>(count, IOV_MAX);
        ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return fail_write(errno), false;
        for (; n > 0 && count > 0; ++iov, --count) {
            if (static_cast<std::size_t>(n) < iov->iov_len) {
                iov->iov_base = static_cast<char*>(iov->iov_base) + n;
                iov->iov_len -= static_cast<std::size_t>(n);
                break;
            }
            n -= static_cast<ssize_t>(iov->iov_len);
        }
        if (count == 0) return true;
        // The socket took less than it was offered: it is full.
        switch (wait_fd(fd_, POLLOUT, stop_fd_, write_timeout_)) {
        case WaitResult::ready: continue;
        case WaitResult::timeout: return fail_write(EAGAIN), false;
        case WaitResult::stopped: return fail_write(ECANCELED), false;
        case WaitResult::error: return fail_write(errno), false;
        }
    }
    return true;
}

namespace {
thread_local SocketStream* t_stream = nullptr;  // thread-per-connection: the thread's one connection
}  // namespace

SocketStream* SocketStream::of_this_thread() { return t_stream; }
void SocketStream::set_of_this_thread(SocketStream* stream) { t_stream = stream; }

ssize_t SocketStream::fail_write(int error) {
    write_error_ = error;
    return -1;
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
    if (remote_port_ < 0) ask_address(fd_, ::getpeername, remote_ip_, remote_port_);
    ip = remote_ip_;
    port = remote_port_;
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
    if (local_port_ < 0) ask_address(fd_, ::getsockname, local_ip_, local_port_);
    ip = local_ip_;
    port = local_port_;
}

SocketStream::Fill SocketStream::fill(Clock::time_point deadline) {
    for (;;) {
        // Read first: a request has usually arrived by the time its thread runs, and then one
        // system call is enough.
        const ssize_t n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, MSG_DONTWAIT);
        if (n > 0) {
            end_ += static_cast<std::size_t>(n);
            return Fill::data;
        }
        if (n == 0) return Fill::closed;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return Fill::failed;
        const auto left = ceil<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return Fill::timed_out;
        switch (wait_fd(fd_, POLLIN, stop_fd_, left)) {
        // poll counts whole milliseconds and may end a little early: the check above decides.
        case WaitResult::ready:
        case WaitResult::timeout: continue;
        case WaitResult::stopped: return Fill::stopped;
        case WaitResult::error: return Fill::failed;
        }
    }
}

void SocketStream::compact() {
    if (begin_ == 0) return;
    std::memmove(buffer_.data(), buffer_.data() + begin_, buffered());
    end_ -= begin_;
    begin_ = 0;
}
