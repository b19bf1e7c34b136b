// upstream.cpp - scheme dispatch and the descriptor-based read shared by every upstream.
#include "server/upstreams/upstream.h"

#include "common/net/net.h"

long FdUpstream::read(uint8_t* buf, std::size_t len) {
    return read_with_deadline(fd_.get(), buf, len, options_.stop_fd, options_.read_timeout, error_);
}

std::unique_ptr<Upstream> open_upstream(const UpstreamUrl& url, const UpstreamOptions& options, std::string& error) {
    switch (url.scheme) {
    case UpstreamUrl::Scheme::http: return open_http_upstream(url, options, error);
    case UpstreamUrl::Scheme::https: return open_http_upstream(url, options, error);
    case UpstreamUrl::Scheme::file: return open_file_upstream(url, options, error);
    case UpstreamUrl::Scheme::tcp: return open_tcp_upstream(url, options, error);
    case UpstreamUrl::Scheme::udp: return open_udp_upstream(url, options, error);
    case UpstreamUrl::Scheme::unix_socket: return open_unix_upstream(url, options, error);
    case UpstreamUrl::Scheme::fork: return open_fork_upstream(url, options, error);
    default: break;
    }
    error = std::string("scheme ") + to_string(url.scheme) + " is not supported yet";
    return nullptr;
}
