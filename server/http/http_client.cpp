// http_client.cpp - the setup of one outgoing httplib client, and httplib errors in words. Any thread.
#include "server/http/http_client.h"

#include "common/config/credentials.h"

std::unique_ptr<httplib::ClientImpl> make_http_client(const UpstreamUrl& url, std::chrono::milliseconds timeout) {
    std::unique_ptr<httplib::ClientImpl> client;
    if (url.scheme == UpstreamUrl::Scheme::https)
        client = std::make_unique<httplib::SSLClient>(url.host, url.port);
    else
        client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    client->set_follow_location(true);
    client->set_url_encode(false);
    // Said here rather than left to the library's default, which has changed between versions.
    client->enable_server_certificate_verification(true);
    // httplib sends these only when the request has no Authorization header of its own.
    if (auto credentials = credentials_from_userinfo(url.userinfo)) {
        client->set_basic_auth(credentials->user, credentials->password);
    }
    return client;
}

std::string describe_http_error(httplib::Error error) {
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
