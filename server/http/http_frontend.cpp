// http_frontend.cpp - listening, routing, access checks and viewer limits; a stream request becomes
// a ViewerSession.
#include "server/http/http_frontend.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/net/listener.h"
#include "common/text.h"
#include "server/http/access_check.h"
#include "server/http/connection_threads.h"
#include "server/http/frontend_request.h"
#include "server/http/hls_responder.h"
#include "server/http/http_server.h"
#include "server/http/playlist.h"
#include "server/http/viewer_session.h"
#include "server/service/relay.h"
#include "server/service/notifier.h"
#include "server/http/static_content.h"
#include "server/http/status_api.h"

using namespace std::chrono;

namespace {
// The kernel queues this many connects while every connection thread is busy or starting:
// enough for a burst of 500 viewers (httplib's compiled-in backlog is 5).
constexpr int kListenBacklog = 1024;
// Connections beyond the viewer limit still need a thread: to be answered 503 or 404, and for the
// API. Idle ones hold theirs until the 5 s read timeout, so this many idle sockets from an attacker
// (reopened every 5 s) would make real viewers wait in the listen backlog.
constexpr std::size_t kExtraConnectionThreads = 1024;
constexpr std::size_t kUnlimitedConnectionThreads = 10000;
// The kernel doubles it: 512 KiB in flight, 8 Mbit/s up to 500 ms of round trip.
constexpr int kSendBufferBytes = 256 * 1024;
constexpr const char* kCacheControl = "no-cache, no-store, no-transform";
// httplib 0.11.4 limits each header line to 8 KiB but not the number of lines; 100 is Apache's
// LimitRequestFields. (The head's total size stays unlimited while httplib reads it.)
constexpr std::size_t kMaxHeaderFields = 100;
// Relative: a status page at /status finds /streams.json, one at /ops/status finds /ops/streams.json.
constexpr const char* kDefaultStreamsUrl = "streams.json";
// The statistics' rates are per second; sampling at that rate keeps each over the last second.
constexpr milliseconds kRateSampleInterval{1000};

// The body is the raw stream until the connection closes, for HTTP/1.1 too (as udpxy and msd_lite
// answer): chunked encoding would make httplib copy every batch twice to frame it, and HTTP/1.0
// set-top boxes could not decode it anyway. HEAD gets these same headers (RFC 9110 section 9.3.2).
void set_stream_body(httplib::Response& res, httplib::ContentProviderWithoutLength provider,
                     httplib::ContentProviderResourceReleaser releaser = nullptr) {
    res.set_header("Connection", "close");
    res.set_content_provider("video/mpeg", std::move(provider), std::move(releaser));
}

// Every line of a field, in the order received: a proxy appends its own X-Forwarded-For line after
// any the client sent, so the first line alone is the client's word.
std::vector<std::string_view> field_lines(const httplib::Headers& headers, const char* name) {
    std::vector<std::string_view> lines;
    const auto [first, last] = headers.equal_range(name);
    for (auto it = first; it != last; ++it) lines.emplace_back(it->second);
    return lines;
}
}  // namespace

HttpFrontend::HttpFrontend(std::string listen, ReloadFunction reload)
    : listen_(std::move(listen)),
      reload_(std::move(reload)) {}

HttpFrontend::~HttpFrontend() { stop(); }

void HttpFrontend::set_site(std::shared_ptr<const Site> site) {
    // Before start() there is no server: start() reads the timeout from the site.
    if (server_) server_->set_request_timeout(seconds(site->config().requesttimeout_s));
    std::lock_guard<std::mutex> lock(site_mutex_);
    site_ = std::move(site);
}

std::shared_ptr<const Site> HttpFrontend::site() const {
    std::lock_guard<std::mutex> lock(site_mutex_);
    return site_;
}

bool HttpFrontend::reserve_viewer(const Config& config) {
    unsigned current = viewers_.load(std::memory_order_relaxed);
    // Live HLS sessions take places too (they hold no slot of their own: see serve_hls).
    const std::size_t hls = config.maxconnections != 0 ? site()->hls_sessions(steady_clock::now()) : 0;
    do {
        if (config.maxconnections != 0 && current + hls >= config.maxconnections) return false;
    } while (!viewers_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
    if (Notifier* notifier = site()->notifier()) notifier->connections_changed(current + 1);
    return true;
}

void HttpFrontend::release_viewer(const Site& site) {
    const unsigned now = viewers_.fetch_sub(1, std::memory_order_relaxed) - 1;
    if (Notifier* notifier = site.notifier()) notifier->connections_changed(now);
}

bool HttpFrontend::start(std::string& error) {
    auto listen = parse_listen_address(listen_);
    if (!listen) {
        error = "invalid listen address \"" + listen_ + "\"";
        return false;
    }
    ListenOptions options;
    options.backlog = kListenBacklog;
    // Accepted sockets inherit it. A fixed send buffer bounds the kernel memory of a viewer that
    // stops reading (autotuning would let it grow to tcp_wmem's 4 MiB each) and makes such a viewer
    // show up in our own queue, where drops resume at a keyframe.
    options.send_buffer = kSendBufferBytes;
    Listener listener = listen_tcp(listen->host, std::to_string(listen->port), options);
    if (!listener.fd) {
        error = "cannot listen on " + listen_ + ": " + listener.error;
        return false;
    }
    if (!listener.note.empty()) LogLine(LogLevel::warn, "listen_ipv4_only").kv("address", listener.address).kv("reason", listener.note);
    address_ = listener.address;
    server_ = std::make_unique<HttpServer>(std::move(listener.fd));

    const Config& config = site()->config();
    server_->set_request_timeout(seconds(config.requesttimeout_s));
    server_->set_read_timeout(config.requesttimeout_s, 0);  // for a request body, after the head
    server_->set_write_timeout(kWriteTimeout.count(), 0);   // a viewer whose socket stays full for 5 s is dropped
    // Every request is answered here, before httplib's router: its patterns are std::regex, whose
    // matcher recurses once per character of the path, and we route by exact path anyway.
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        handle(req, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    const std::size_t max_threads =
        config.maxconnections ? config.maxconnections + kExtraConnectionThreads : kUnlimitedConnectionThreads;
    listener_ = std::thread([this, max_threads] { server_->run(max_threads); });
    rate_sampler_ = std::make_unique<PeriodicThread>(kRateSampleInterval, [this] {
        const std::shared_ptr<const Site> site = this->site();
        statistics_.sample(site->stream_stats(), ConnectionLimits::from_config(site->config()), ServerCounters{});
    });
    return true;
}

void HttpFrontend::stop() {
    drain_.stop();  // before the sites go: its deadline would close viewers through them
    if (!listener_.joinable()) return;
    rate_sampler_.reset();
    // From here on a response that ends is logged as ended by the shutdown, whether httplib (once
    // its socket is closed) or the disconnect below ends it first.
    stopping_.store(true);
    // The acceptor closes the listening socket: new connections are refused from here on, requests in
    // progress finish, and viewers' responses end at their next batch.
    server_->stop();
    if (auto site = this->site()) site->disconnect_viewers("server shutting down");
    listener_.join();  // run() joins every connection thread before it returns
}

void HttpFrontend::handle(const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<const Site> site = this->site();
    Request request;
    request.info.method = req.method;
    request.info.path = req.path;
    for (const auto& [name, value] : req.params) request.info.query.emplace(name, value);
    if (const size_t mark = req.target.find('?'); mark != std::string::npos) request.info.raw_query = req.target.substr(mark + 1);
    for (const auto& [name, value] : req.headers) request.info.headers.emplace(to_lower(name), value);
    request.info.client = join_host_port(req.remote_addr, req.remote_port);
    request.peer_ip = req.remote_addr;
    request.client_ip = effective_client(req.remote_addr, field_lines(req.headers, "X-Forwarded-For"),
                                         site->config().trusted_proxies);

    if (req.headers.size() > kMaxHeaderFields) {
        LogLine(LogLevel::warn, "client_refused").kv("path", req.path).kv("client", request.info.client)
            .kv("reason", "too many header fields");
        return send(HttpReply::text(431, "request header fields too large"), request, *site, res);
    }
    const Route* route = site->find(req.path);
    if (!route) return send(HttpReply::text(404, "not found"), request, *site, res);
    if (route->hls && req.method == "OPTIONS")
        if (auto preflight = hls_preflight(route->resource->hls->cors, request.info.header("origin")))
            return send(*preflight, request, *site, res);
    if (route->hls) set_hls_cors(route->resource->hls->cors, request.info.header("origin"), res);
    if (auto denial = deny(*site, *route, request)) return send(*denial, request, *site, res);
    const Resource& resource = *route->resource;
    const bool post_allowed = resource.type == Resource::Type::api && (resource.api == "reload" || resource.api == "drain");
    if (req.method != "GET" && req.method != "HEAD" && !(req.method == "POST" && post_allowed)) {
        HttpReply reply = HttpReply::text(405, "method not allowed");
        reply.headers.emplace_back("Allow", post_allowed ? "POST" : "GET, HEAD");
        return send(reply, request, *site, res);
    }

    if (route->hls) return serve_hls(*site, *route, request, res);
    switch (resource.type) {
    case Resource::Type::stream: return serve_stream(*site, *route, request, res);
    case Resource::Type::static_content: {
        // HEAD gets GET's reply: httplib sends its headers, Content-Length included, without the body.
        HttpRequestInfo as_get = request.info;
        if (as_get.method == "HEAD") as_get.method = "GET";
        return send(route->static_content->get(as_get), request, *site, res);
    }
    case Resource::Type::api: return send(serve_api(*site, *route, request), request, *site, res);
    case Resource::Type::relay: return serve_relay(*site, *route, request, res);
    }
}

std::optional<HttpReply> HttpFrontend::deny(const Site& site, const Route& route, Request& request) {
    return access_refusal(*route.resource, site.config().userlist, request.info, request.client_ip, request.user);
}

void HttpFrontend::send(const HttpReply& reply, const Request& request, const Site& site, httplib::Response& res) {
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (!reply.body.empty() || reply.status != 304) res.set_content(reply.body, reply.content_type);
    if (const auto& log = site.access_log()) {
        AccessEntry entry = request.access_entry(reply.status);
        entry.bytes = request.info.method == "HEAD" ? 0 : reply.body.size();
        log->write(entry);
    }
}

HttpReply HttpFrontend::serve_api(const Site& site, const Route& route, const Request& request) {
    const Resource& resource = *route.resource;
    const Config& config = site.config();
    const ConnectionLimits limits = ConnectionLimits::from_config(config);
    ServerCounters server;
    server.accept_failures = server_->accept_failures();
    server.descriptors_exhausted = server_->descriptors_exhausted();
    if (const auto& log = site.access_log()) server.access_log_write_failures = log->write_failures();
    server.draining = drain_.active();
    if (resource.api == "health") return statistics_.health(site.stream_stats(), limits, server);
    // restreamer's "nostats": no statistics are collected for anyone to read; health stays, for balancers.
    if (config.nostats && (resource.api == "statistics" || resource.api == "prometheus"))
        return HttpReply::text(404, "404 statistics disabled (nostats)");
    if (resource.api == "statistics") return statistics_.statistics(site.stream_stats(), limits, server);
    if (resource.api == "prometheus") return statistics_.prometheus(site.stream_stats(), limits, server);
    if (resource.api == "streams")
        return streams_reply(collect_stream_status(site.stats_channels(), statistics_, limits, server));
    if (resource.api == "status")
        return status_page_reply(resource.remote_text.empty() ? kDefaultStreamsUrl : resource.remote_text);
    if (resource.api == "playlist") return playlist_reply(config, playlist_request(config, request));
    if (resource.api == "check") return check_reply(route.channel && route.channel->answers_check());
    if (resource.api == "control") {
        if (!route.channel) return HttpReply::text(404, "404 not found");
        Channel& channel = *route.channel;
        return control_reply(request.info, [&channel](bool offline) { channel.set_offline(offline); });
    }
    if (resource.api == "drain")
        return drain_reply(request.info, seconds(config.draindeadline_s), [this](seconds deadline) { return drain(deadline); });
    if (resource.api == "reload") {
        if (request.info.method != "POST") {
            HttpReply reply = HttpReply::text(405, "405 method not allowed");
            reply.headers.emplace_back("Allow", "POST");
            return reply;
        }
        std::string error;
        if (!reload_(error)) return HttpReply::text(500, "reload failed: " + error);
        return HttpReply::text(200, "reloaded");
    }
    return HttpReply::text(404, "404 not found");
}

PlaylistRequest HttpFrontend::playlist_request(const Config& config, const Request& request) const {
    PlaylistRequest playlist;
    playlist.host = request.info.header("host");
    playlist.forwarded_proto = request.info.header("x-forwarded-proto");
    playlist.forwarded_host = request.info.header("x-forwarded-host");
    playlist.from_trusted_proxy = is_trusted_peer(request.peer_ip, config.trusted_proxies);
    playlist.listen_address = address_;
    playlist.client_ip = request.client_ip;
    playlist.authorization = request.info.header("authorization");
    playlist.now_s = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    return playlist;
}

void HttpFrontend::serve_stream(const Site& site, const Route& route, const Request& request, httplib::Response& res) {
    Channel& channel = *route.channel;
    const std::shared_ptr<Stream>& stream = channel.stream();
    res.set_header("Cache-Control", kCacheControl);
    if (stream->is_offline()) return send(HttpReply::text(503, "stream offline"), request, site, res);
    // An idle on-demand stream is not live, yet a GET would start it: HEAD does not, and says 200.
    if (!channel.is_connected() && !channel.is_on_demand())
        return send(HttpReply::text(503, "stream not connected upstream"), request, site, res);
    serve_viewer(site, request, res, [&] { return channel.admit(request.info.client, request.user, request.info.query); });
}

// One access-log line per HLS session when it ends (a player asks for a segment every few seconds),
// none per request. A new session counts against maxconnections like a TS viewer.
void HttpFrontend::serve_hls(const Site& site, const Route& route, const Request& request, httplib::Response& res) {
    const std::string& prefix = route.resource->hls->serve;
    const std::string_view name = std::string_view(request.info.path).substr(prefix.size());
    if (route.channel->stream()->is_offline()) return send(HttpReply::text(503, "stream offline"), request, site, res);
    HlsSessions& sessions = route.hls->sessions();
    const auto now = steady_clock::now();
    log_hls_sessions(sessions.sweep(now), route.resource->serve, prefix, site.access_log().get());
    const Config& config = site.config();
    std::shared_ptr<UserSessions::Ticket> place;
    if (!sessions.is_known(request.client_ip, request.user, now)) {
        if (config.maxconnections != 0 && viewers_.load(std::memory_order_relaxed) + site.hls_sessions(now) >= config.maxconnections) {
            LogLine(LogLevel::warn, "client_refused").kv("stream", request.info.path).kv("client", request.info.client)
                .kv("reason", "maxconnections reached");
            return send(HttpReply::text(503, "too many connections"), request, site, res);
        }
        UserSessions::Admission admission = open_user_session(site, request,
            [hls = std::weak_ptr<HlsOutput>(route.hls), ip = request.client_ip, user = request.user](const std::string&) {
                if (auto output = hls.lock()) output->sessions().end(ip, user);
            });
        if (!admission.allowed) return send(HttpReply::text(429, admission.refusal), request, site, res);
        place = std::move(admission.ticket);
    }
    sessions.touch(request.client_ip, request.user, now, std::move(place));
    if (is_hls_playlist(name)) {
        const std::string refusal = route.channel->admit_hls(request.info.client);
        if (!refusal.empty()) return send(HttpReply::text(503, refusal), request, site, res);
    }
    answer_hls(route.hls, name, request.info, HlsClient{request.client_ip, request.user}, res);
    const AuthPolicy& auth = route.resource->auth;
    if (auth.type == AuthPolicy::Type::securelink && is_hls_playlist(name) && res.status == 200)
        res.body = sign_hls_playlist(res.body, auth.securelink, prefix, request.info, request.client_ip);
}

void HttpFrontend::serve_relay(const Site& site, const Route& route, const Request& request, httplib::Response& res) {
    const Resource& resource = *route.resource;
    res.set_header("Cache-Control", kCacheControl);
    const std::string_view rest = std::string_view(request.info.path).substr(resource.serve.size());
    auto parsed = parse_relay_request(rest, request.info.query, resource.relay);
    if (const RelayError* error = std::get_if<RelayError>(&parsed)) {
        LogLine(LogLevel::warn, "client_refused").kv("path", request.info.path).kv("client", request.info.client)
            .kv("reason", error->reason);
        return send(HttpReply::text(error->status, error->reason), request, site, res);
    }
    const RelayTarget& target = std::get<RelayTarget>(parsed);
    Relay& relay = *route.relay;
    serve_viewer(site, request, res, [&] { return relay.admit(target, request.info.client, request.user, request.info.query).viewer; });
}

void HttpFrontend::serve_viewer(const Site& site, const Request& request, httplib::Response& res,
                                const std::function<Channel::Admission()>& admit) {
    const std::string& address = request.info.client;
    // HEAD too, as GET: a balancer's retry on 503 (HAProxy's retry-on, redispatch) goes elsewhere.
    if (auto refused = drain_.refusal(request.info.path, address)) return send(*refused, request, site, res);
    if (request.info.method == "HEAD") {
        set_stream_body(res, [](size_t, httplib::DataSink&) { return false; });  // httplib sends no body to HEAD
        if (const auto& log = site.access_log()) log->write(request.access_entry(200));  // one line per request
        return;
    }
    // The acceptor's accept_failed line already tells of it, once a second.
    if (HttpServer::serving_on_reserve()) {
        return send(HttpReply::text(503, "server out of file descriptors"), request, site, res);
    }
    DeferredEnd<Viewer> evictable;  // the viewer, once admitted
    UserSessions::Admission place = open_user_session(site, request, evictable.ender());
    if (!place.allowed) return send(HttpReply::text(429, place.refusal), request, site, res);
    if (!reserve_viewer(site.config())) {
        LogLine(LogLevel::warn, "client_refused").kv("stream", request.info.path).kv("client", address).kv("reason", "maxconnections reached");
        return send(HttpReply::text(503, "too many connections"), request, site, res);
    }
    Channel::Admission admission = admit();
    if (!admission.viewer) {
        release_viewer(site);
        LogLine(LogLevel::warn, "client_refused").kv("stream", request.info.path).kv("client", address)
            .kv("reason", admission.refusal);
        return send(HttpReply::text(admission.status, admission.refusal), request, site, res);
    }
    evictable.set(admission.viewer);
    auto session = std::make_shared<ViewerSession>(std::move(admission.stream), std::move(admission.viewer),
                                                   request.access_entry(200), site.access_log(),
                                                   [this, place = std::move(place.ticket)] { release_viewer(*this->site()); });
    set_stream_body(
        res, [session](size_t, httplib::DataSink& sink) { return session->provide(sink); },
        [this, session](bool) { session->finish(stopping_.load() ? "server shutting down" : "client closed connection"); });
}
