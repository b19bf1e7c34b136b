// drain.h - graceful drain, for rolling upgrades behind a load balancer: from start() on, new
// viewers are refused (503 server draining) and health says "draining", so the balancer sends new
// viewers elsewhere; the viewers already watching stay until they leave or the deadline passes,
// when the ones left are closed. Any thread may call start(), active() and stop(); the deadline
// timer is a thread of its own, owned here and joined by stop() (at the latest the destructor).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/http/http_reply.h"

// A deadline beyond a day is a typing error, not a plan.
constexpr unsigned kMaxDrainDeadlineSeconds = 86400;

class Drain {
public:
    // Closes every viewer at the deadline and says how many there were.
    using CloseViewers = std::function<unsigned()>;

    explicit Drain(CloseViewers close_viewers) : close_viewers_(std::move(close_viewers)) {}
    ~Drain() { stop(); }
    Drain(const Drain&) = delete;
    Drain& operator=(const Drain&) = delete;

    // False when a drain was started before (its deadline stays) or the drain was stopped.
    bool start(std::chrono::seconds deadline);
    bool active() const { return active_.load(std::memory_order_relaxed); }
    // While active: a viewer's `503 server draining`, its refusal logged; else nullopt.
    std::optional<HttpReply> refusal(const std::string& path, const std::string& client) const;
    // Ends the timer without closing anyone (the shutdown closes them anyway). Idempotent.
    void stop();

private:
    void wait_for_deadline(std::chrono::seconds deadline);

    const CloseViewers close_viewers_;
    std::atomic<bool> active_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread timer_;      // started by the first start(), under mutex_
};

// `?deadline=SECONDS` (whole seconds, 0 to kMaxDrainDeadlineSeconds), else `fallback`; nullopt with
// a one-line `error` for anything else.
std::optional<std::chrono::seconds> parse_drain_deadline(const HttpRequestInfo& request, std::chrono::seconds fallback,
                                                         std::string& error);
// The drain API: POST only (405), a bad deadline 400, a second drain 409, else 202 and `start` called.
HttpReply drain_reply(const HttpRequestInfo& request, std::chrono::seconds fallback,
                      const std::function<bool(std::chrono::seconds)>& start);
