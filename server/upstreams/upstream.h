// upstream.h - one open connection to a source of TS bytes, and the factory that opens one from a URL.
// Used only by the stream's reader thread; a StopSignal cuts every wait short.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/net/unique_fd.h"
#include "common/net/url.h"

struct UpstreamOptions {
    std::string stream;                             // the stream's path, for log lines of the upstream
    int stop_fd = -1;                               // StopSignal::fd() of the owning stream
    std::chrono::milliseconds connect_timeout{0};  // 0 = no limit
    std::chrono::milliseconds read_timeout{0};     // 0 = wait forever for the next byte
    bool tls_verify = true;                         // https: verify the certificate against the system store
};

class Upstream {
public:
    explicit Upstream(const UpstreamOptions& options) : options_(options) {}
    virtual ~Upstream() = default;

    // Reads up to `len` bytes. > 0: bytes read. 0: the upstream ended cleanly. < 0: failed, see error().
    virtual long read(uint8_t* buf, std::size_t len) = 0;
    const std::string& error() const { return error_; }
    // Another thread reads it from now on: a connection opened beside the live one (make before
    // break) is handed to the stream's reader with the reader's stop signal and timeouts.
    void rebind(const UpstreamOptions& options) { options_ = options; }

protected:
    UpstreamOptions options_;
    std::string error_;
};

// Opens the URL (connect, request, headers). Returns nullptr and sets `error` to one short phrase.
std::unique_ptr<Upstream> open_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);

// Upstreams that are a plain descriptor: files, FIFOs, and later sockets and pipes.
class FdUpstream : public Upstream {
public:
    FdUpstream(UniqueFd fd, const UpstreamOptions& options) : Upstream(options), fd_(std::move(fd)) {}
    long read(uint8_t* buf, std::size_t len) override;

protected:
    UniqueFd fd_;
};

std::unique_ptr<Upstream> open_file_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);
std::unique_ptr<Upstream> open_http_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);
// tcp: a FdUpstream on the connected socket.
std::unique_ptr<Upstream> open_tcp_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);
// udp (unicast or multicast) and unix sockets (stream, seqpacket, datagram). Datagram kinds return
// once the first datagram is there, so that "connected" means data is coming.
std::unique_ptr<Upstream> open_udp_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);
std::unique_ptr<Upstream> open_unix_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);
// fork: the command's stdout; returns once the command wrote its first bytes. Destroying the
// upstream kills the command's process group and reaps it.
std::unique_ptr<Upstream> open_fork_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error);

// How long an upstream without a handshake (datagrams, commands) may take to send its first bytes:
// the connect timeout, else the read timeout, else 0 (forever, until stopped).
std::chrono::milliseconds first_data_timeout(const UpstreamOptions& options);
