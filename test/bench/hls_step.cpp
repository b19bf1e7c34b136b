// hls_step.cpp - ramp, settle, measure (with the listing probe), stop; and who kept up.
#include "hls_step.h"

#include <chrono>
#include <cmath>
#include <memory>

#include "hls_listing_probe.h"
#include "processes.h"
#include "step.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kPoll{50};

void sleep_or_throw(const StopSignal& interrupt, double seconds) {
    if (interrupt.wait_for(milliseconds(static_cast<long>(seconds * 1000)))) throw Interrupted{};
}
}  // namespace

double HlsStepResult::kib_per_player() const {
    return playing == 0 ? 0 : (double(rss_after_kib) - double(rss_before_kib)) / double(playing);
}

HlsStepResult run_hls_step(const HlsTarget& target, pid_t server, const LiveEdgeProbe& tap,
                           const HlsStepSettings& s, const StopSignal& interrupt) {
    HlsStepResult r;
    r.attempted = s.players;
    ProcFile server_stat("/proc/" + std::to_string(server) + "/stat");
    ProcFile server_status("/proc/" + std::to_string(server) + "/status");
    r.rss_before_kib = rss_kib_of(server_status.read());

    HlsPlayers players(target, s.players, s.threads, s.rate);
    const double ramp_limit_s = (s.rate > 0 ? double(s.players) / s.rate : 0) + s.ramp_grace_s;
    const auto ramp_start = steady_clock::now();
    while (players.progress().playing < s.players &&
           duration<double>(steady_clock::now() - ramp_start).count() < ramp_limit_s)
        if (interrupt.wait_for(kPoll)) throw Interrupted{};
    sleep_or_throw(interrupt, s.settle_s);

    // Its first playlist is the baseline: it measures the segments completed in the window.
    auto probe = std::make_unique<HlsListingProbe>(tap, target.host, target.port, target.prefix);
    const HlsPlayers::Progress before = players.progress();
    const std::vector<uint64_t> segments_before = players.segments();
    const ProcessCpu cpu_before = cpu_seconds_of(server_stat.read());
    const auto window_start = steady_clock::now();
    sleep_or_throw(interrupt, s.window_s);
    const HlsPlayers::Progress after = players.progress();
    const std::vector<uint64_t> segments_after = players.segments();
    r.window_s = duration<double>(steady_clock::now() - window_start).count();
    r.server_cpu_s = cpu_seconds_of(server_stat.read()).total() - cpu_before.total();
    r.rss_after_kib = rss_kib_of(server_status.read());
    const HlsListingProbe::Figures listing = probe->take();
    probe.reset();
    players.stop();

    r.listed_ms = listing.listed_ms;
    r.listed_unmatched = listing.unmatched;
    r.probe_error = listing.error;
    r.window_bytes = after.bytes - before.bytes;
    r.segments = after.segments - before.segments;
    r.missed = after.missed - before.missed;
    r.bad = after.bad - before.bad;
    r.playlists = after.playlists - before.playlists;
    r.connects = after.connects - before.connects;
    r.playing = after.playing;
    r.failures = players.failures();
    const double due = std::floor(r.window_s / s.segment_s) - 1;
    for (std::size_t i = 0; i < segments_after.size(); ++i)
        if (double(segments_after[i] - segments_before[i]) >= due) ++r.held;
    return r;
}
