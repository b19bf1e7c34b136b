// acceptor.cpp - accept(), the reserve descriptors and what to do when accept() fails.
#include "server/http/acceptor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/log.h"

using namespace std::chrono;

namespace {
// Each reserve descriptor answers one connection at a time; answering takes milliseconds, so a few
// answer a burst of hundreds within a second.
constexpr std::size_t kReserveDescriptors = 4;
// While no descriptor can be had, the waiting connection stays in the backlog: look again this often.
constexpr milliseconds kRetryInterval{10};
// How long /health reports the exhaustion after the last failed accept.
constexpr steady_clock::duration kExhaustedFor = seconds(3);
constexpr steady_clock::duration kLogInterval = seconds(1);

bool lacks_descriptors(int error) { return error == EMFILE || error == ENFILE; }

// TEST HOOK, for test/e2e/systemd_notify.sh only: RESTREAMER_TEST_WEDGE_ACCEPTOR_AFTER=SECONDS makes
// the accept loop stop accepting that long after it starts, as a deadlocked loop would, so that the
// test sees the systemd watchdog stop pinging (SIGSTOP would stop the watchdog thread too).
std::optional<steady_clock::time_point> test_wedge_deadline() {
    const char* after = std::getenv("RESTREAMER_TEST_WEDGE_ACCEPTOR_AFTER");
    if (after == nullptr || *after == '\0') return std::nullopt;
    return steady_clock::now() + milliseconds(static_cast<long>(std::atof(after) * 1000));
}

// The wedge: nothing but the stop signal ends it.
void wedge_until_stopped(int stop_fd) {
    LogLine(LogLevel::warn, "acceptor_wedged").kv("reason", "test hook RESTREAMER_TEST_WEDGE_ACCEPTOR_AFTER");
    pollfd stop = {stop_fd, POLLIN, 0};
    while (::poll(&stop, 1, -1) < 0 && errno == EINTR) {
    }
}
}  // namespace

Acceptor::Acceptor(UniqueFd listener, int stop_fd)
    : listener_(std::move(listener)), stop_fd_(stop_fd) {
    refill_reserve();
}

void Acceptor::refill_reserve() {
    while (reserve_.size() < kReserveDescriptors) {
        UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!fd) return;
        reserve_.push_back(std::move(fd));
    }
}

bool Acceptor::descriptors_exhausted() const {
    const auto last = last_exhausted_.load(std::memory_order_relaxed);
    return last != 0 && steady_clock::now().time_since_epoch().count() - last < kExhaustedFor.count();
}

void Acceptor::run(const Handler& handle) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const std::optional<steady_clock::time_point> wedge = test_wedge_deadline();
    for (;;) {
        // A burst's last failures are logged a second later, even when no connection follows.
        int timeout = unlogged_failures_ > 0 ? 1000 : -1;
        if (wedge) {
            const auto left = duration_cast<milliseconds>(*wedge - steady_clock::now()).count();
            if (left <= 0) {
                wedge_until_stopped(stop_fd_);
                break;
            }
            timeout = timeout < 0 ? static_cast<int>(left) : std::min(timeout, static_cast<int>(left));
        }
        if (::poll(fds, 2, timeout) < 0 && errno != EINTR) break;
        if (fds[1].revents != 0) break;
        if (unlogged_failures_ > 0 && steady_clock::now() - last_logged_ >= kLogInterval) log_failures();
        if (fds[0].revents == 0) continue;
        // Connections that ended gave their descriptors back: take the reserve's first.
        refill_reserve();
        UniqueFd socket(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (socket) {
            handle(std::move(socket), false);
            continue;
        }
        const int error = errno;
        if (error == EAGAIN || error == EINTR || error == ECONNABORTED) continue;
        accepted_nothing(error, handle);
    }
    listener_.reset();
}

void Acceptor::accepted_nothing(int error, const Handler& handle) {
    note_failure(error);
    if (lacks_descriptors(error) && !reserve_.empty()) {
        reserve_.pop_back();  // frees one descriptor for the accept below
        UniqueFd socket(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (socket) return handle(std::move(socket), true);
    }
    // Out of memory or of descriptors with every reserve in use: the connection waits in the backlog.
    pollfd stop = {stop_fd_, POLLIN, 0};
    ::poll(&stop, 1, static_cast<int>(kRetryInterval.count()));
}

void Acceptor::note_failure(int error) {
    const auto now = steady_clock::now();
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (lacks_descriptors(error)) last_exhausted_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    ++unlogged_failures_;
    last_error_ = error;
    if (now - last_logged_ >= kLogInterval) log_failures();
}

void Acceptor::log_failures() {
    LogLine(LogLevel::warn, "accept_failed").kv("reason", std::strerror(last_error_)).kv("count", unlogged_failures_);
    unlogged_failures_ = 0;
    last_logged_ = steady_clock::now();
}
