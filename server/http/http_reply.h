// http_reply.h - a request as the non-streaming handlers (API, static content) see it, and their answer.
// Keeps those handlers free of httplib so that unit tests can call them directly.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

struct HttpRequestInfo {
    std::string method = "GET";                   // GET or HEAD
    std::string path;
    std::multimap<std::string, std::string> query;  // decoded parameters; "?offline" gives {"offline", ""}
    std::string raw_query;                          // the target after '?', as sent (for signed links)
    std::map<std::string, std::string> headers;     // names lower-cased
    std::string client;                             // "address:port" of the peer

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpReply {
    int status = 200;
    std::string content_type = "text/plain";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    static HttpReply text(int status, std::string body) {
        HttpReply reply;
        reply.status = status;
        reply.body = std::move(body);
        return reply;
    }
};
