// http_client.h - the server's outgoing httplib requests (static content from a remote, notifications):
// one client setup, and httplib's failures in words for their log lines. Any thread; each request
// builds its own client.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/net/url.h"

// A client for one GET to `url` (http or https, the caller has checked). Connect, each read and each
// write are limited by `timeout`; redirects are followed; the target is sent as configured; an https
// server must present a certificate the system trusts, for its host name; userinfo in the URL
// ("user:password@", percent-decoded) becomes Basic credentials unless the request carries its own
// Authorization header.
std::unique_ptr<httplib::ClientImpl> make_http_client(const UpstreamUrl& url, std::chrono::milliseconds timeout);

// httplib's error names are terse ("Read"); a log reader wants the failure in words.
std::string describe_http_error(httplib::Error error);
