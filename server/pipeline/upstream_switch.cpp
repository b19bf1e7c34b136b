// upstream_switch.cpp - UpstreamLoop's content-aware failover and failback: judging the live
// connection, opening the next one beside it, and switching the viewers over at its first keyframe.
#include "common/log.h"
#include "server/pipeline/upstream_candidate.h"
#include "server/pipeline/upstream_loop.h"

using namespace std::chrono;

namespace {
// A candidate that has neither a keyframe nor an error after this long (plus the health it must
// show first) is given up: a GOP is rarely over 10 s.
constexpr seconds kCandidateDeadline{10};

// Files and commands cannot be opened twice at once (a FIFO has one writer, a command may own a
// device): they switch break before make.
bool opens_twice(const UpstreamUrl& remote) {
    return remote.scheme != UpstreamUrl::Scheme::file && remote.scheme != UpstreamUrl::Scheme::fork;
}
}  // namespace

std::optional<std::string> UpstreamLoop::check_switch(std::unique_ptr<Upstream>& upstream, std::size_t& index) {
    const auto now = steady_clock::now();
    // The live connection's content has been fine for `after` again: a standby is not needed.
    const bool recovered = !health_ || (!health_->failing() && health_->healthy_for(now) >= settings_.content.after);
    if (candidate_) {
        const UpstreamCandidate::Status status = candidate_->status();
        if (status == UpstreamCandidate::Status::failed) {
            LogLine(LogLevel::warn, "upstream_candidate_failed")
                .kv("stream", settings_.path)
                .kv("remote", candidate_->settings().remote.text)
                .kv("kind", candidate_is_failback_ ? "failback" : "failover")
                .kv("reason", candidate_->error());
            if (!candidate_is_failback_) schedule_->report_failure(candidate_->settings().index, now);
            end_candidate();
        } else if (!candidate_is_failback_ && recovered) {
            LogLine(LogLevel::info, "upstream_candidate_dropped")
                .kv("stream", settings_.path)
                .kv("remote", candidate_->settings().remote.text)
                .kv("reason", "the live connection recovered");
            end_candidate();
        } else if (status == UpstreamCandidate::Status::ready && (candidate_is_failback_ || health_->verdict())) {
            take_over(upstream, index);
        }
        return std::nullopt;
    }
    if (health_ && health_->failing()) {
        const UpstreamUrl& remote = settings_.remotes[index];
        if (!opens_twice(remote)) return health_->verdict() ? std::optional<std::string>("content: " + *health_->verdict()) : std::nullopt;
        // A standby from the first sign, so that it has a keyframe by the time the verdict comes.
        if (const auto other = schedule_->next_other(index, now)) start_candidate(*other, false, "content: " + health_->reason());
        return std::nullopt;
    }
    if (settings_.failback.count() > 0 && index != 0 && now >= next_failback_) start_candidate(0, true, "probing the first remote");
    return std::nullopt;
}

void UpstreamLoop::start_candidate(std::size_t index, bool failback, const std::string& reason) {
    UpstreamCandidate::Settings s;
    s.index = index;
    s.remote = settings_.remotes[index];
    s.options = options_;
    s.rules = settings_.content;
    // A failback probe reads for `after` and must stay healthy throughout; a failover takes the
    // first keyframe, since the current connection is already bad.
    s.must_be_healthy = failback ? seconds(settings_.content.after) : seconds(0);
    s.deadline = kCandidateDeadline + s.must_be_healthy;
    if (s.options.connect_timeout.count() == 0 || s.options.connect_timeout > s.deadline)
        s.options.connect_timeout = duration_cast<milliseconds>(s.deadline);
    if (s.options.read_timeout.count() == 0 || s.options.read_timeout > s.deadline)
        s.options.read_timeout = duration_cast<milliseconds>(s.deadline);
    s.read_size = settings_.read_size;
    LogLine(LogLevel::info, "upstream_candidate")
        .kv("stream", settings_.path)
        .kv("remote", s.remote.text)
        .kv("kind", failback ? "failback" : "failover")
        .kv("reason", reason);
    candidate_is_failback_ = failback;
    candidate_ = std::make_unique<UpstreamCandidate>(std::move(s));
}

void UpstreamLoop::take_over(std::unique_ptr<Upstream>& upstream, std::size_t& index) {
    const auto now = steady_clock::now();
    const std::size_t from = index, to = candidate_->settings().index;
    std::optional<UpstreamCandidate::Handover> handover = candidate_->take(options_);
    if (!handover) {
        LogLine(LogLevel::warn, "upstream_candidate_failed")
            .kv("stream", settings_.path)
            .kv("remote", settings_.remotes[to].text)
            .kv("reason", candidate_->error());
        return end_candidate();
    }
    const std::string reason = candidate_is_failback_ ? "healthy for " + std::to_string(settings_.content.after.count()) + " s"
                                                      : "content: " + *health_->verdict();
    LogLine(LogLevel::warn, candidate_is_failback_ ? "upstream_failback" : "upstream_failover")
        .kv("stream", settings_.path)
        .kv("from", settings_.remotes[from].text)
        .kv("to", settings_.remotes[to].text)
        .kv("reason", reason);
    (candidate_is_failback_ ? failbacks_ : failovers_).fetch_add(1, std::memory_order_relaxed);
    if (!candidate_is_failback_) schedule_->report_failure(from, now);
    schedule_->report_success(to);
    end_candidate();
    upstream = std::move(handover->upstream);  // the old connection closes here
    index = to;
    framer_ = std::move(handover->framer);
    if (settings_.content.enabled()) health_ = std::make_unique<ContentHealth>(settings_.content, now);
    note_attempt(settings_.remotes[to]);
    connects_.fetch_add(1, std::memory_order_relaxed);
    connected_.store(false, std::memory_order_release);
    listener_.upstream_lost();
    go_live(settings_.remotes[to], true);
    silence_ = Silence{now};
    deliver(std::move(handover->packets));
}

void UpstreamLoop::end_candidate() {
    candidate_.reset();
    next_failback_ = steady_clock::now() + settings_.failback;
}
