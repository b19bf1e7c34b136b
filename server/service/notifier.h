// notifier.h - restreamer's notifications: limit_hit and limit_miss when the viewer count crosses the
// soft limit (fullconnections), a periodic heartbeat, and ours, failover and failback when a stream
// switched remotes for its content (GET URL?event=failover&stream=/tv.ts), each sent as an HTTP GET.
// connections_changed() is called from many HTTP threads and never waits on the network: one worker
// thread, owned by the Notifier, does all the sending.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config/config.h"
#include "common/net/url.h"

namespace httplib {
class ClientImpl;
}

struct NotificationTarget {
    using Event = Notification::Event;  // the config's events; to_string() is in common/config.h
    Event event = Event::heartbeat;
    std::string url;            // http:// or https://; user:password@ is sent as Basic credentials
    std::string authorization;  // the Authorization header value, ready-made, preferred to the URL's; empty = none
};

class Notifier {
public:
    using Event = NotificationTarget::Event;
    using Clock = std::chrono::steady_clock;

    // Limit events not yet sent; when the worker falls this far behind, the oldest hit/miss pair goes.
    static constexpr std::size_t kMaxPendingEvents = 64;

    // heartbeat_interval: 0 = no heartbeat (std::chrono::seconds converts; tests pass milliseconds).
    // full_connections: the soft limit; 0 = limit events never fire. timeout: connect and per-read
    // limit of one request; 0 = 10 s. Targets whose URL is not http(s) are logged and ignored.
    Notifier(std::vector<NotificationTarget> targets, std::chrono::milliseconds heartbeat_interval,
             unsigned full_connections, std::chrono::milliseconds timeout);
    ~Notifier();  // stop()
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Starts the worker; the first heartbeat is one interval later. Call once.
    void start();
    // Aborts the request in flight, drops unsent events and joins the worker. Returns within moments,
    // at worst after the timeout (a request caught while it connects). Idempotent.
    void stop();

    // The current number of viewers, after every change. Any thread; only takes a short lock.
    // Queues limit_hit when the count reaches full_connections from below, limit_miss when it falls
    // below again. Callers racing with each other may report counts out of order; the next call
    // sets the state right.
    void connections_changed(unsigned connections);

    // Some target wants failover or failback events.
    bool wants_switches() const { return wants_switches_; }
    // `stream` switched remotes (`event`: failover or failback). Any thread; queued, the oldest
    // dropped past kMaxPendingEvents.
    void stream_switched(Event event, const std::string& stream);

private:
    struct Target {
        Event event;
        UpstreamUrl url;
        std::string authorization;
    };

    void run();
    // `query`: appended to each target's URL ("event=failover&stream=..."), or empty.
    void send(Event event, const std::string& query = {});
    void send_to(const Target& target, Event event, const std::string& query);

    std::vector<Target> targets_;
    const std::chrono::milliseconds heartbeat_interval_;  // 0 also when no target wants heartbeats
    const unsigned full_connections_;                     // 0 also when no target wants limit events
    const std::chrono::milliseconds timeout_;
    bool wants_switches_ = false;

    std::mutex mutex_;  // guards the fields below; never held while sending
    std::condition_variable wakeup_;
    std::deque<Event> pending_;
    std::deque<std::pair<Event, std::string>> switches_;  // failover/failback and the stream
    bool full_ = false;        // the state the last queued limit event announced
    std::size_t dropped_ = 0;  // events dropped since the worker last logged it
    std::atomic<bool> stopping_{false};

    std::mutex active_mutex_;  // guards active_; stop() may wait on it while a request connects
    httplib::ClientImpl* active_ = nullptr;

    std::thread worker_;
};
