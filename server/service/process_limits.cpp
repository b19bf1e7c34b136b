// process_limits.cpp - process-wide settings for thousands of connection threads: open files and
// the futex hash. Called once by main, before any thread starts.
#include "server/service/process_limits.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace {
// From linux/prctl.h of Linux 6.16, which Debian bookworm's headers predate.
constexpr int kPrFutexHash = 78;
constexpr int kPrFutexHashSetSlots = 1;
constexpr int kPrFutexHashGetSlots = 2;
}  // namespace

// Each viewer holds a socket, and the soft limit is often 1024 (systemd's and most shells'
// default): the thousandth viewer would be refused. Raised to the hard limit, as Go's runtime
// does for the Go restreamer and nginx's worker_rlimit_nofile does on request.
void raise_open_files_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
    }
    LogLine(LogLevel::info, "open_files_limit").kv("soft", limit.rlim_cur).kv("was", before).kv("hard", limit.rlim_max);
    // The kernel's descriptor table doubles as it fills, and each doubling waits for an RCU grace
    // period (5-15 ms under load) inside accept(): sized once here for up to 16384 descriptors, so
    // that the acceptor does not stall at 64, 128, ... 2048 during a join storm.
    const rlim_t presize = std::min<rlim_t>(limit.rlim_cur, 16384) - 1;
    const int probe = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, static_cast<int>(presize));
    if (probe >= 0) ::close(probe);
}

bool use_global_futex_hash() {
    if (::prctl(kPrFutexHash, kPrFutexHashSetSlots, 0, 0, 0) == 0) {
        LogLine(LogLevel::info, "futex_hash").kv("hash", "global");
        return true;
    }
    // EINVAL: a kernel before 6.16, whose processes share the global hash anyway.
    if (errno != EINVAL) LogLine(LogLevel::warn, "futex_hash").kv("hash", "private").kv("reason", std::strerror(errno));
    return false;
}

int futex_hash_slots() { return ::prctl(kPrFutexHash, kPrFutexHashGetSlots, 0, 0, 0); }
