// http_frontend.h - the HTTP side: listens, runs every connection on its own thread, checks access
// and routes each path to a stream, static content or an API endpoint of the current Site.
// The only server file that sees httplib's server.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/periodic_thread.h"
#include "server/http/api.h"
#include "server/http/drain.h"
#include "server/http/http_reply.h"
#include "server/http/user_sessions.h"
#include "server/service/site.h"

class HttpServer;
struct PlaylistRequest;
namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

class HttpFrontend {
public:
    // Called by the reload API on the connection's thread; false with a one-line error.
    using ReloadFunction = std::function<bool(std::string& error)>;

    HttpFrontend(std::string listen, ReloadFunction reload);
    ~HttpFrontend();

    // Binds and starts accepting on a thread of its own. False with `error` when it cannot bind.
    bool start(std::string& error);
    // Stops accepting, ends every viewer's response, joins every connection thread. Idempotent.
    void stop();
    // The bound address, e.g. "127.0.0.1:8000" (the real port when the config asked for 0).
    const std::string& address() const { return address_; }
    const std::string& listen() const { return listen_; }
    // Viewers of TS streams and relays being served now (HLS sessions are the site's).
    unsigned viewers() const { return viewers_.load(std::memory_order_relaxed); }

    // Starts a drain (server/http/drain.h) that closes the viewers left after `deadline`; false when
    // one was started before or the frontend is stopping. Any thread.
    bool drain(std::chrono::seconds deadline) { return drain_.start(deadline); }

    // Requests from now on are served from `site`; ones in progress finish with the old one.
    void set_site(std::shared_ptr<const Site> site);
    std::shared_ptr<const Site> site() const;

private:
    struct Request;  // one request as the handlers below see it
    void handle(const httplib::Request& req, httplib::Response& res);
    // A reply when the client may not have `route`: 403 by address, 401/403 by credentials.
    std::optional<HttpReply> deny(const Site& site, const Route& route, Request& request);
    void serve_stream(const Site& site, const Route& route, const Request& request, httplib::Response& res);
    // A relay's URL: its group's stream (400/403 for a URL the relay does not serve).
    void serve_relay(const Site& site, const Route& route, const Request& request, httplib::Response& res);
    // A request under a stream's HLS prefix (hls_responder.h).
    void serve_hls(const Site& site, const Route& route, const Request& request, httplib::Response& res);
    // HEAD, the descriptor and viewer limits, then `admit` (a stream's or a relay group's channel:
    // the viewer and its output, or why not), then the viewer's session.
    void serve_viewer(const Site& site, const Request& request, httplib::Response& res,
                      const std::function<Channel::Admission()>& admit);
    // The user's place under its "maxsessions" (not counted without a user or limit); a refusal is logged.
    UserSessions::Admission open_user_session(const Site& site, const Request& request, UserSessions::Ender end);
    HttpReply serve_api(const Site& site, const Route& route, const Request& request);
    PlaylistRequest playlist_request(const Config& config, const Request& request) const;
    void send(const HttpReply& reply, const Request& request, const Site& site, httplib::Response& res);
    bool reserve_viewer(const Config& config);
    void release_viewer(const Site& site);

    const std::string listen_;
    const ReloadFunction reload_;
    std::unique_ptr<HttpServer> server_;
    std::thread listener_;
    std::string address_;
    mutable std::mutex site_mutex_;
    std::shared_ptr<const Site> site_;
    std::atomic<unsigned> viewers_{0};
    UserSessions user_sessions_;  // across reloads, as the viewers are
    std::atomic<bool> stopping_{false};  // set by stop()
    StatisticsApi statistics_;
    // Samples the streams' counters once a second, so that the rates the API reports are those of
    // the last second, whenever it is asked (the first scrape after start included).
    std::unique_ptr<PeriodicThread> rate_sampler_;
    // Closes the viewers at its deadline through the current site; stopped first by stop().
    Drain drain_{[this] {
        const unsigned viewers = viewers_.load();
        site()->disconnect_viewers("server draining");
        return viewers;
    }};
};
