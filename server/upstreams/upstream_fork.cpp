// upstream_fork.cpp - fork:// upstreams: a command in its own process group; its stdout is the stream.
// The reader thread owns the upstream; a thread of the upstream logs the command's stderr line by line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/net/net.h"
#include "server/upstreams/upstream.h"

extern char** environ;

using namespace std::chrono;

namespace {
constexpr milliseconds kTermGrace{1000};   // SIGTERM to SIGKILL
constexpr milliseconds kExitAfterEof{1000};  // how long a command that closed its stdout may take to exit
constexpr int kPipeBytes = 1 << 20;          // room for a burst while the reader fans out
constexpr std::size_t kMaxLineBytes = 1000;  // longer stderr lines are logged in pieces

// Both ends close-on-exec, and above 0-2: the child's dup2() onto 1 and 2 must not overwrite the other pipe.
bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
    for (UniqueFd& end : ends) {
        if (end.get() > 2) continue;
        UniqueFd moved(::fcntl(end.get(), F_DUPFD_CLOEXEC, 3));
        if (!moved) return false;
        end = std::move(moved);
    }
    read_end = std::move(ends[0]);
    write_end = std::move(ends[1]);
    return true;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
    return "ended with wait status " + std::to_string(status);
}

// The command's process; owned by one ForkUpstream, touched only by the reader thread.
class ChildProcess {
public:
    explicit ChildProcess(pid_t pid) : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess() { terminate(); }

    pid_t pid() const { return pid_; }
    bool reaped() const { return reaped_; }

    // Waits up to `timeout` for the command to exit, then reaps it. false when it is still running.
    bool wait_exit(milliseconds timeout, int stop_fd) {
        if (!reaped_ && has_exited(timeout, stop_fd)) reap();
        return reaped_;
    }

    // SIGTERM to the whole group, SIGKILL after the grace period, then reap. Stopping the stream
    // does not shorten the grace period: the child must be gone before the upstream is.
    void terminate() {
        if (reaped_) return;
        ::kill(-pid_, SIGTERM);
        has_exited(kTermGrace, -1);
        reap();
    }

    // "exited with status 1", "killed by signal Terminated"; only once reaped().
    std::string status() const { return describe_status(status_); }
    bool succeeded() const { return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0; }

private:
    // Without reaping: the zombie keeps the pid and the process group id from being reused.
    bool has_exited(milliseconds timeout, int stop_fd) {
        if (pidfd_) return wait_fd(pidfd_.get(), POLLIN, stop_fd, timeout) == WaitResult::ready;
        // Kernels before 5.3 have no pidfd: look every 20 ms.
        const auto deadline = steady_clock::now() + timeout;
        for (;;) {
            siginfo_t info{};
            if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
                return true;
            if (steady_clock::now() >= deadline) return false;
            if (wait_fd(stop_fd, POLLIN, -1, milliseconds(20)) == WaitResult::ready) return false;
        }
    }

    void reap() {
        // Whatever the command left behind in its group (children of a shell script) goes with it.
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }

    pid_t pid_;
    UniqueFd pidfd_;
    bool reaped_ = false;
    int status_ = 0;  // from waitpid
};

// Reads the command's stderr and logs each line; the owner stops it after the command was reaped.
class StderrLogger {
public:
    StderrLogger(UniqueFd fd, const UpstreamOptions& options, const UpstreamUrl& url)
        : fd_(std::move(fd)), stream_(options.stream), remote_(url.text) {
        thread_ = std::thread([this] { run(); });
    }
    ~StderrLogger() {
        stop_.signal();
        thread_.join();
    }

private:
    void run() {
        try {
            std::string line;
            char buf[4096];
            for (;;) {
                // Once stopped, take what the reaped command left in the pipe, but wait for nothing more:
                // a process that escaped the group may hold the pipe open.
                const bool stopped = wait_fd(fd_.get(), POLLIN, stop_.fd(), milliseconds(0)) != WaitResult::ready;
                const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
                if (n == 0) break;  // every writer is gone
                if (n < 0) {
                    if (errno == EINTR || (errno == EAGAIN && !stopped)) continue;
                    break;
                }
                for (ssize_t i = 0; i < n; ++i) {
                    const char c = buf[i];
                    if (c == '\n' || c == '\r') {
                        flush(line);
                    } else {
                        line += c;
                        if (line.size() >= kMaxLineBytes) flush(line);
                    }
                }
            }
            flush(line);
        } catch (const std::exception& e) {
            LogLine(LogLevel::error, "upstream_stderr_failed").kv("stream", stream_).kv("remote", remote_).kv("reason", e.what());
        }
    }

    void flush(std::string& line) {
        if (!line.empty()) LogLine(LogLevel::info, "upstream_stderr").kv("stream", stream_).kv("remote", remote_).kv("line", line);
        line.clear();
    }

    UniqueFd fd_;  // non-blocking
    std::string stream_;
    std::string remote_;
    StopSignal stop_;
    std::thread thread_;
};

class ForkUpstream : public FdUpstream {
public:
    ForkUpstream(UniqueFd stdout_fd, std::unique_ptr<ChildProcess> child, std::unique_ptr<StderrLogger> stderr_logger,
                 const UpstreamOptions& options, const UpstreamUrl& url)
        : FdUpstream(std::move(stdout_fd), options),
          child_(std::move(child)),
          stderr_logger_(std::move(stderr_logger)),
          remote_(url.text) {}

    ~ForkUpstream() override {
        fd_.reset();  // a command blocked on a full pipe gets EPIPE and can exit by itself
        child_->terminate();
        log_exit();
        stderr_logger_.reset();
    }

    long read(uint8_t* buf, std::size_t len) override {
        long n = FdUpstream::read(buf, len);
        if (n != 0) return n;
        // The command closed its stdout: report how it ended rather than a bare end of stream.
        if (!child_->wait_exit(kExitAfterEof, options_.stop_fd)) return error_ = "command closed its stdout", -1;
        log_exit();
        if (child_->succeeded()) return 0;
        error_ = "command " + child_->status();
        return -1;
    }

private:
    void log_exit() {
        if (logged_exit_ || !child_->reaped()) return;
        logged_exit_ = true;
        LogLine(LogLevel::info, "upstream_command_ended")
            .kv("stream", options_.stream)
            .kv("remote", remote_)
            .kv("pid", child_->pid())
            .kv("status", child_->status());
    }

    std::unique_ptr<ChildProcess> child_;
    std::unique_ptr<StderrLogger> stderr_logger_;
    std::string remote_;
    bool logged_exit_ = false;
};

// Starts the command with stdin from /dev/null, stdout and stderr into the pipes, in a new process
// group, with default signal dispositions and no blocked signals: the server ignores SIGPIPE and
// blocks SIGTERM, and a child would inherit both. Returns the pid, or -1 with `error`.
pid_t spawn(const UpstreamUrl& url, int stdout_fd, int stderr_fd, std::string& error) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(url.path.c_str()));
    for (const std::string& arg : url.args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    // glibc reports a failed exec (missing file, no permission) as the result of posix_spawn.
    int rc = ::posix_spawn(&pid, url.path.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        error = "cannot execute " + url.path + ": " + std::strerror(rc);
        return -1;
    }
    return pid;
}
}  // namespace

std::unique_ptr<Upstream> open_fork_upstream(const UpstreamUrl& url, const UpstreamOptions& options,
                                             std::string& error) {
    UniqueFd out_read, out_write, err_read, err_write;
    if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) {
        error = std::string("pipe: ") + std::strerror(errno);
        return nullptr;
    }
    ::fcntl(out_read.get(), F_SETPIPE_SZ, kPipeBytes);
    ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
    try {
        const pid_t pid = spawn(url, out_write.get(), err_write.get(), error);
        if (pid < 0) return nullptr;
        auto child = std::make_unique<ChildProcess>(pid);
        // Only the child may hold the write ends, or the reads would never see the end of the pipes.
        out_write.reset();
        err_write.reset();
        auto stderr_logger = std::make_unique<StderrLogger>(std::move(err_read), options, url);
        // Wait for the first output, so that a command that fails at once is one error line, not a
        // connection followed by a disconnection.
        bool started = wait_readable(out_read.get(), options.stop_fd, first_data_timeout(options), error);
        int queued = 0;
        if (started && ::ioctl(out_read.get(), FIONREAD, &queued) == 0 && queued == 0) {
            started = false;  // readable and empty: the command closed its stdout
            error = child->wait_exit(kExitAfterEof, options.stop_fd) ? "command " + child->status()
                                                                      : "command closed its stdout";
        }
        if (!started) {
            child.reset();  // reaped first, so that the logger still sees its last words
            return nullptr;
        }
        return std::make_unique<ForkUpstream>(std::move(out_read), std::move(child), std::move(stderr_logger), options,
                                              url);
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}
