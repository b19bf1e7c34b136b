// systemd_notify.cpp - sd_notify(3) from libsystemd; the monitor thread's probe, ping and status.
#include "server/service/systemd_notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>

#include "common/log.h"
#include "server/http/liveness_probe.h"

using namespace std::chrono;

namespace {
// STATUS= is refreshed this often (when it changed); the watchdog ticks faster when it needs to.
constexpr milliseconds kStatusInterval{2000};
// A probe answered on a loaded server takes milliseconds; more than this is not "answering".
constexpr milliseconds kMaxProbeTimeout{5000};

void notify(const std::string& message) { sd_notify(0, message.c_str()); }
}  // namespace

SystemdNotifier::SystemdNotifier(std::string address, StatusFunction status)
    : address_(std::move(address)), status_(std::move(status)), enabled_(std::getenv("NOTIFY_SOCKET") != nullptr) {
    uint64_t usec = 0;
    if (enabled_ && sd_watchdog_enabled(0, &usec) > 0) watchdog_ = microseconds(usec);
}

void SystemdNotifier::ready() {
    if (!enabled_) return;
    update_status("READY=1\n");
    if (monitor_) return;
    const milliseconds half = duration_cast<milliseconds>(watchdog_ / 2);
    const milliseconds interval = watchdog_.count() > 0 ? std::max(milliseconds(1), std::min(half, kStatusInterval)) : kStatusInterval;
    if (watchdog_.count() > 0)
        LogLine(LogLevel::info, "watchdog_enabled").kv("interval_ms", duration_cast<milliseconds>(watchdog_).count())
            .kv("address", address_);
    monitor_ = std::make_unique<PeriodicThread>(interval, [this] { tick(); });
}

void SystemdNotifier::reloading() {
    if (!enabled_) return;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL + static_cast<unsigned long long>(now.tv_nsec) / 1000;
    notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() {
    if (!enabled_) return;
    monitor_.reset();  // first: a probe in flight must not ping after STOPPING=1
    notify("STOPPING=1");
}

void SystemdNotifier::update_status(const char* prefix) {
    const std::string status = status_();
    {
        std::lock_guard<std::mutex> lock(status_mutex_);
        if (*prefix == '\0' && status == last_status_) return;
        last_status_ = status;
    }
    notify(prefix + ("STATUS=" + status));
}

void SystemdNotifier::tick() {
    update_status("");
    if (watchdog_.count() == 0 || steady_clock::now() < next_probe_) return;
    const milliseconds half = duration_cast<milliseconds>(watchdog_ / 2);
    next_probe_ = steady_clock::now() + half - milliseconds(10);  // ticks are about `half` apart
    std::string error;
    if (probe_acceptor(address_, std::min(std::max(half / 2, milliseconds(1)), kMaxProbeTimeout), error)) {
        if (probe_failing_) LogLine(LogLevel::info, "watchdog_probe_recovered").kv("address", address_);
        probe_failing_ = false;
        notify("WATCHDOG=1");
        return;
    }
    // No ping: systemd restarts the service once WatchdogSec passes without one.
    if (!probe_failing_)
        LogLine(LogLevel::error, "watchdog_probe_failed").kv("address", address_).kv("reason", error);
    probe_failing_ = true;
}
