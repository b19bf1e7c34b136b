// upstream_file.cpp - file:// upstreams: a regular file read once, or a FIFO another program writes.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "server/upstreams/upstream.h"

std::unique_ptr<Upstream> open_file_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error) {
    // O_NONBLOCK: opening a FIFO without a writer must not block the reader thread; reads then wait
    // in poll() (with the stop signal) for the writer to appear.
    UniqueFd fd(::open(url.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        error = url.path + ": " + std::strerror(errno);
        return nullptr;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
        error = url.path + ": not a regular file or FIFO";
        return nullptr;
    }
    return std::make_unique<FdUpstream>(std::move(fd), options);
}
