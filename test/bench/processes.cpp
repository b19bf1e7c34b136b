// processes.cpp - fork/exec with the log as stderr, stop-and-reap, and the /proc readers.
#include "processes.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/net/unique_fd.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kStopGrace{5000};
constexpr milliseconds kPoll{20};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) : log_path_(log_path) {
    UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
    if (!log) throw std::runtime_error(log_path + ": " + std::strerror(errno));
    // Built before fork: the child may only make async-signal-safe calls until exec.
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t parent = ::getpid();

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(log.get(), STDERR_FILENO);
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
        }
        ::execv(args[0], args.data());
        ::dprintf(STDERR_FILENO, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
}

bool ChildProcess::running() {
    if (pid_ < 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
}

ChildProcess::~ChildProcess() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    auto deadline = steady_clock::now() + kStopGrace;
    while (running() && steady_clock::now() < deadline) ::usleep(duration_cast<microseconds>(kPoll).count());
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

std::optional<std::string> wait_for_listening(ChildProcess& child, const StopSignal& interrupt, milliseconds timeout) {
    const std::string key = "event=listening address=";
    auto deadline = steady_clock::now() + timeout;
    for (;;) {
        std::string log = read_file(child.log_path());
        std::size_t at = log.find(key);
        if (at != std::string::npos) {
            std::size_t start = at + key.size();
            std::size_t end = log.find_first_of(" \n", start);
            return log.substr(start, end == std::string::npos ? end : end - start);
        }
        if (!child.running() || steady_clock::now() > deadline || interrupt.wait_for(kPoll)) return std::nullopt;
    }
}

ProcFile::ProcFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}

std::string ProcFile::read() const {
    std::string out;
    char buf[4096];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(fd_.get(), buf, sizeof buf, at);
        if (n <= 0) break;
        out.append(buf, std::size_t(n));
        at += n;
    }
    return out;
}

ProcessCpu cpu_seconds_of(const std::string& stat) {
    // Fields after the command name, which may hold spaces and is closed by the last ')'.
    std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    double tick = double(::sysconf(_SC_CLK_TCK));
    return {double(utime) / tick, double(stime) / tick};
}

uint64_t rss_kib_of(const std::string& status) {
    std::size_t at = status.find("\nVmRSS:");
    return at == std::string::npos ? 0 : std::strtoull(status.c_str() + at + 7, nullptr, 10);
}

MachineCpu machine_cpu_of(const std::string& stat) {
    std::istringstream in(stat);
    std::string cpu;
    in >> cpu;
    MachineCpu out;
    // user nice system idle iowait irq softirq steal: idle and iowait are the time nobody ran.
    for (int i = 0; i < 8; ++i) {
        uint64_t v = 0;
        if (!(in >> v)) break;
        out.total += v;
        if (i != 3 && i != 4) out.busy += v;
    }
    return out;
}

std::size_t process_fd_count(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return 0;
    std::size_t n = 0;
    while (dirent* e = ::readdir(dir))
        if (e->d_name[0] != '.') ++n;
    ::closedir(dir);
    return n;
}

double self_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void LogCounter::update() {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += chunk.size();
    partial_ += chunk;
    std::size_t start = 0;
    for (std::size_t eol; (eol = partial_.find('\n', start)) != std::string::npos; start = eol + 1) {
        std::size_t at = partial_.find(" event=", start);
        if (at == std::string::npos || at > eol) continue;
        at += 7;
        std::size_t end = partial_.find_first_of(" \n", at);
        ++counts_[partial_.substr(at, end - at)];
    }
    partial_.erase(0, start);
}

std::size_t LogCounter::count(const std::string& event) {
    update();
    auto it = counts_.find(event);
    return it == counts_.end() ? 0 : it->second;
}
