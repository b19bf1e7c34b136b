// systemd_notify.h - bin/server as a Type=notify service: READY=1 once listening, RELOADING=1 and
// READY=1 around a reload, STOPPING=1, a STATUS= line with the viewers and streams, and the watchdog
// (WatchdogSec=): a monitor thread pings WATCHDOG=1 every half interval, but only while the acceptor
// answers a probe on the server's own socket (server/http/liveness_probe.h). Without NOTIFY_SOCKET
// (not started by systemd) nothing is sent and no thread runs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/periodic_thread.h"

class SystemdNotifier {
public:
    using StatusFunction = std::function<std::string()>;

    // `address`: the bound address the watchdog probes. `status`: the STATUS= text now ("3 viewers,
    // 5 streams"); called on the monitor thread, so it must be cheap and thread-safe.
    SystemdNotifier(std::string address, StatusFunction status);
    ~SystemdNotifier() { monitor_.reset(); }
    SystemdNotifier(const SystemdNotifier&) = delete;
    SystemdNotifier& operator=(const SystemdNotifier&) = delete;

    void ready();      // READY=1 with the status; starts the monitor thread the first time
    void reloading();  // RELOADING=1 with MONOTONIC_USEC (what Type=notify-reload expects)
    void stopping();   // STOPPING=1; stops and joins the monitor: no ping after this

private:
    void tick();
    // Sends STATUS= when the text changed since the last one sent.
    void update_status(const char* prefix);

    const std::string address_;
    const StatusFunction status_;
    const bool enabled_;                     // NOTIFY_SOCKET is set
    std::chrono::microseconds watchdog_{0};  // WATCHDOG_USEC for this process; 0 = no watchdog
    std::chrono::steady_clock::time_point next_probe_{};  // monitor thread only
    bool probe_failing_ = false;                          // monitor thread only: log once per failure streak
    std::mutex status_mutex_;
    std::string last_status_;  // guarded by status_mutex_
    std::unique_ptr<PeriodicThread> monitor_;
};
