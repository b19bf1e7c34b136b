// drain.cpp - the drain's deadline timer and the drain API's reply.
#include "server/http/drain.h"

#include "common/log.h"

using namespace std::chrono;

bool Drain::start(seconds deadline) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || active_.load()) return false;
    active_.store(true);
    LogLine(LogLevel::info, "drain_started").kv("deadline_s", deadline.count());
    timer_ = std::thread([this, deadline] { wait_for_deadline(deadline); });
    return true;
}

std::optional<HttpReply> Drain::refusal(const std::string& path, const std::string& client) const {
    if (!active()) return std::nullopt;
    LogLine(LogLevel::info, "client_refused").kv("stream", path).kv("client", client).kv("reason", "server draining");
    return HttpReply::text(503, "server draining");
}

void Drain::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
}

void Drain::wait_for_deadline(seconds deadline) {
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (wake_.wait_for(lock, deadline, [this] { return stopping_; })) return;
    }
    // New viewers stay refused after this: the server is on its way out.
    const unsigned closed = close_viewers_();
    LogLine(LogLevel::info, "drain_deadline").kv("viewers_closed", closed);
}

std::optional<seconds> parse_drain_deadline(const HttpRequestInfo& request, seconds fallback, std::string& error) {
    auto found = request.query.find("deadline");
    if (found == request.query.end()) return fallback;
    const std::string& text = found->second;
    unsigned long value = 0;
    bool ok = !text.empty() && text.size() <= 6;
    for (char c : text) ok = ok && c >= '0' && c <= '9';
    if (ok) value = std::stoul(text);
    if (!ok || value > kMaxDrainDeadlineSeconds) {
        error = "bad deadline \"" + text.substr(0, 32) + "\": expected whole seconds, 0 to " +
                std::to_string(kMaxDrainDeadlineSeconds);
        return std::nullopt;
    }
    return seconds(value);
}

HttpReply drain_reply(const HttpRequestInfo& request, seconds fallback, const std::function<bool(seconds)>& start) {
    if (request.method != "POST") {
        HttpReply reply = HttpReply::text(405, "405 method not allowed");
        reply.headers.emplace_back("Allow", "POST");
        return reply;
    }
    std::string error;
    const std::optional<seconds> deadline = parse_drain_deadline(request, fallback, error);
    if (!deadline) return HttpReply::text(400, "400 " + error);
    if (!start(*deadline)) return HttpReply::text(409, "409 already draining");
    return HttpReply::text(202, "202 draining, deadline " + std::to_string(deadline->count()) + " s");
}
