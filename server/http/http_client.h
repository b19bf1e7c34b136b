// http_client_error.h - httplib client failures in words, for the log lines of the server's
// outgoing requests (static content from a remote, notifications).
#pragma once

#include <httplib.h>

#include <string>

// httplib's error names are terse ("Read"); a log reader wants the failure in words.
inline std::string describe_http_error(httplib::Error error) {
    switch (error) {
    case httplib::Error::Connection: return "connection failed";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::Read: return "read failed or timed out";
    case httplib::Error::Write: return "write failed or timed out";
    case httplib::Error::Canceled: return "response not complete within the timeout";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load CA certificates";
    case httplib::Error::SSLServerVerification: return "server certificate not trusted";
    default: return "request failed (" + httplib::to_string(error) + ")";
    }
}
