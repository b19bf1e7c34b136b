// notifier.cpp - the notification worker: limit events from a bounded queue, heartbeats from a timer,
// each sent as one GET per target (server/http/http_client.h).
#include "server/service/notifier.h"

#include <httplib.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "common/log.h"
#include "common/text.h"
#include "server/http/http_client.h"

using namespace std::chrono;

namespace {

using Event = NotificationTarget::Event;

bool wants(const std::vector<NotificationTarget>& targets, std::initializer_list<Event> events) {
    return std::any_of(targets.begin(), targets.end(), [&](const NotificationTarget& t) {
        return std::find(events.begin(), events.end(), t.event) != events.end();
    });
}

}  // namespace

Notifier::Notifier(std::vector<NotificationTarget> targets, milliseconds heartbeat_interval, unsigned full_connections,
                   milliseconds timeout)
    : heartbeat_interval_(wants(targets, {Event::heartbeat}) ? std::max(heartbeat_interval, milliseconds::zero())
                                                             : milliseconds::zero()),
      full_connections_(wants(targets, {Event::limit_hit, Event::limit_miss}) ? full_connections : 0),
      timeout_(timeout > milliseconds::zero() ? timeout : milliseconds(seconds(10))),
      wants_switches_(wants(targets, {Event::failover, Event::failback})) {
    for (NotificationTarget& t : targets) {
        Parsed<UpstreamUrl> parsed = parse_upstream_url(t.url);
        const bool http =
            parsed && (parsed->scheme == UpstreamUrl::Scheme::http || parsed->scheme == UpstreamUrl::Scheme::https);
        if (!http) {
            LogLine(LogLevel::error, "notification_target_invalid").kv("notification", to_string(t.event))
                .kv("url", t.url).kv("reason", parsed ? "expected an http or https URL" : parsed.error());
            continue;
        }
        targets_.push_back(Target{t.event, std::move(*parsed), std::move(t.authorization)});
    }
}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
    if (worker_.joinable()) return;
    worker_ = std::thread([this] {
        try {
            run();
        } catch (const std::exception& e) {
            LogLine(LogLevel::error, "notifier_failed").kv("reason", e.what());
        }
    });
}

void Notifier::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        pending_.clear();
        switches_.clear();
    }
    wakeup_.notify_all();
    {
        // Shuts the socket of the request in flight down; httplib documents this as the one thing
        // that is safe from another thread.
        std::lock_guard<std::mutex> lock(active_mutex_);
        if (active_) active_->stop();
    }
    if (worker_.joinable()) worker_.join();
}

void Notifier::connections_changed(unsigned connections) {
    if (full_connections_ == 0) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        const bool full = connections >= full_connections_;
        if (full == full_) return;
        full_ = full;
        // The queue alternates hit, miss, hit...; dropping the oldest pair keeps it alternating and
        // its last event the current state, so a target never sees two hits in a row.
        if (pending_.size() >= kMaxPendingEvents) {
            pending_.erase(pending_.begin(), pending_.begin() + 2);
            dropped_ += 2;
        }
        pending_.push_back(full ? Event::limit_hit : Event::limit_miss);
    }
    wakeup_.notify_one();
}

void Notifier::stream_switched(Event event, const std::string& stream) {
    if (!wants_switches_) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        if (switches_.size() >= kMaxPendingEvents) {
            switches_.pop_front();
            ++dropped_;
        }
        switches_.emplace_back(event, stream);
    }
    wakeup_.notify_one();
}

void Notifier::run() {
    const bool heartbeat = heartbeat_interval_ > milliseconds::zero();
    auto next_heartbeat = Clock::now() + heartbeat_interval_;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        const auto now = Clock::now();
        if (heartbeat && now >= next_heartbeat) {
            // A late heartbeat (the worker was busy) starts a new period instead of firing a burst.
            next_heartbeat = std::max(next_heartbeat + heartbeat_interval_, now);
            lock.unlock();
            send(Event::heartbeat);
            lock.lock();
            continue;
        }
        if (!pending_.empty()) {
            const Event event = pending_.front();
            pending_.pop_front();
            const std::size_t dropped = std::exchange(dropped_, 0);
            lock.unlock();
            // Logged here, once per batch of drops, not by the HTTP threads that dropped them.
            if (dropped)
                LogLine(LogLevel::warn, "notification_dropped").kv("events", dropped)
                    .kv("reason", "the worker fell behind; oldest events dropped");
            send(event);
            lock.lock();
            continue;
        }
        if (!switches_.empty()) {
            auto [event, stream] = std::move(switches_.front());
            switches_.pop_front();
            lock.unlock();
            send(event, std::string("event=") + to_string(event) + "&stream=" + percent_encode(stream));
            lock.lock();
            continue;
        }
        if (heartbeat)
            wakeup_.wait_until(lock, next_heartbeat);
        else
            wakeup_.wait(lock);
    }
}

void Notifier::send(Event event, const std::string& query) {
    for (const Target& target : targets_) {
        if (stopping_) return;
        if (target.event == event) send_to(target, event, query);
    }
}

void Notifier::send_to(const Target& target, Event event, const std::string& query) {
    std::unique_ptr<httplib::ClientImpl> client = make_http_client(target.url, timeout_);
    httplib::Headers headers;
    if (!target.authorization.empty()) headers.emplace("Authorization", target.authorization);

    {
        std::lock_guard<std::mutex> lock(active_mutex_);
        if (stopping_) return;
        active_ = client.get();
    }
    // The body is not wanted; the deadline bounds a target that trickles it.
    const auto deadline = Clock::now() + timeout_;
    std::string path = target.url.target;
    if (!query.empty()) path += (path.find('?') == std::string::npos ? "?" : "&") + query;
    httplib::Result result = client->Get(path, headers, [&](uint64_t, uint64_t) {
        return !stopping_ && Clock::now() < deadline;
    });
    {
        std::lock_guard<std::mutex> lock(active_mutex_);
        active_ = nullptr;
    }

    if (result && result->status >= 200 && result->status <= 299) {
        LogLine(LogLevel::debug, "notification_sent").kv("notification", to_string(event)).kv("url", target.url.text)
            .kv("status", result->status);
        return;
    }
    if (stopping_) return;  // an aborted request at shutdown is not the target's failure
    LogLine line(LogLevel::warn, "notification_failed");
    line.kv("notification", to_string(event)).kv("url", target.url.text);
    if (result)
        line.kv("status", result->status).kv("reason", "HTTP status " + std::to_string(result->status));
    else
        line.kv("reason", describe_http_error(result.error())).kv("timeout_ms", timeout_.count());
}
