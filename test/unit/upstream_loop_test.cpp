// upstream_loop_test.cpp - UpstreamLoop against a scripted tcp:// upstream: a connection that yields
// no TS packet (random bytes) never goes live, fails after read_timeout, and does not restart the
// outage grace of viewers waiting for a live connection to come back.
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "common/net/unique_fd.h"
#include "refusing_port.h"
#include "server/pipeline/upstream_loop.h"
#include "synthetic_ts.h"
#include "wait_until.h"

using namespace std::chrono;

namespace {
// A tcp:// upstream on 127.0.0.1 that serves one connection at a time: the first `good` connections
// get `packets` programme packets and are closed; every later one gets random bytes until it leaves.
class ScriptedUpstream {
public:
    ScriptedUpstream(int good, int packets) : good_(good), packets_(packets) {
        port_ = ntohs(bind_to_loopback(listener_.get()).sin_port);
        REQUIRE(::listen(listener_.get(), 4) == 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedUpstream() {
        stop_ = true;
        thread_.join();
    }
    std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

private:
    void serve() {
        std::mt19937 prng(16);
        int accepted = 0;
        while (!stop_) {
            pollfd p{listener_.get(), POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!fd) continue;
            const int connection = accepted++;
            timeval timeout{0, 50000};  // a send that blocks wakes up to look at stop_
            ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
            if (connection < good_) {
                for (int i = 0; i < packets_; ++i) {
                    const auto packet = synthetic::make_packet(synthetic::PacketSpec(0x100, uint8_t(i)));
                    ::send(fd.get(), packet.data(), packet.size(), MSG_NOSIGNAL);
                }
                continue;  // closed: the end of that stream
            }
            std::vector<uint8_t> noise(4096);
            while (!stop_) {
                for (auto& byte : noise) byte = static_cast<uint8_t>(prng());
                if (::send(fd.get(), noise.data(), noise.size(), MSG_NOSIGNAL) < 0 && errno != EAGAIN) break;
                std::this_thread::sleep_for(milliseconds(2));
            }
        }
    }

    UniqueFd listener_{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    uint16_t port_ = 0;
    const int good_;
    const int packets_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Records what the loop tells the next stage, and when.
struct RecordingListener : UpstreamListener {
    void upstream_connected(bool) override { ++connected; }
    void packets_received(std::vector<uint8_t>&& packets) override { received += packets.size(); }
    void upstream_lost() override {
        std::lock_guard<std::mutex> lock(mutex);
        if (!lost_at) lost_at = steady_clock::now();
    }
    void upstream_unavailable(const std::string& reason) override {
        std::lock_guard<std::mutex> lock(mutex);
        ++unavailable;
        unavailable_reason = reason;
        unavailable_before_expiry = !expired_at;
    }
    void outage_expired(const std::string&) override {
        std::lock_guard<std::mutex> lock(mutex);
        if (!expired_at) expired_at = steady_clock::now();
    }
    // From the first loss to the first expiry.
    std::optional<steady_clock::duration> outage() {
        std::lock_guard<std::mutex> lock(mutex);
        if (!lost_at || !expired_at) return std::nullopt;
        return *expired_at - *lost_at;
    }

    std::atomic<int> connected{0};
    std::atomic<int> unavailable{0};
    std::atomic<std::size_t> received{0};
    std::mutex mutex;
    std::optional<steady_clock::time_point> lost_at, expired_at;
    std::string unavailable_reason;
    bool unavailable_before_expiry = false;
};

UpstreamSettings settings_for(const ScriptedUpstream& upstream) {
    UpstreamSettings s;
    s.path = "/test.ts";
    s.remotes.push_back(*parse_upstream_url(upstream.url()));
    s.reconnect_delay = milliseconds(20);
    s.connect_timeout = milliseconds(1000);
    s.read_timeout = milliseconds(250);
    s.outage_grace = milliseconds(400);
    s.read_size = 64 * ts::kPacketSize;
    return s;
}
}  // namespace

TEST_CASE("UpstreamLoop: an upstream of random bytes never goes live and fails after read_timeout", "[upstream_loop]") {
    ScriptedUpstream upstream(0, 0);
    RecordingListener listener;
    UpstreamLoop loop(settings_for(upstream), listener);
    loop.start();
    REQUIRE(wait_until([&] { return loop.state().failures >= 2; }));
    const UpstreamState state = loop.state();
    loop.stop();
    CHECK(listener.connected == 0);
    CHECK(listener.received == 0);
    CHECK(state.connects >= 2);
    CHECK(state.packets_received == 0);
    CHECK(state.bytes_skipped > 0);
    CHECK(state.sync_losses == 0);
}

TEST_CASE("UpstreamLoop: connections that yield no packet do not restart the outage grace", "[upstream_loop]") {
    // One live connection that ends, then random bytes on every reconnect. The grace (400 ms) runs
    // from the end of the live one: it is over after the second random connection (each lasts
    // read_timeout, 250 ms), some 600 ms after the loss. Were each connect to restart it, it would
    // run until the backoff between connects outgrew it, over 2 s.
    ScriptedUpstream upstream(1, 50);
    RecordingListener listener;
    UpstreamLoop loop(settings_for(upstream), listener);
    loop.start();
    REQUIRE(wait_until([&] { return listener.outage().has_value(); }));
    const auto outage = duration_cast<milliseconds>(*listener.outage());
    const UpstreamState state = loop.state();
    loop.stop();
    INFO("outage expired after " << outage.count() << " ms");
    CHECK(outage < milliseconds(1500));
    CHECK(listener.connected == 1);
    CHECK(listener.received == 50 * ts::kPacketSize);
    CHECK(state.connects >= 2);
}

TEST_CASE("UpstreamLoop: when every remote has failed the listener hears why, also when it gives up", "[upstream_loop]") {
    RefusingPort refusing;
    UpstreamSettings s;
    s.path = "/test.ts";
    s.remotes.push_back(*parse_upstream_url(refusing.url("/a.ts")));
    s.reconnect_delay = milliseconds(0);  // give up after the first round
    RecordingListener listener;
    UpstreamLoop loop(s, listener);
    loop.start();
    REQUIRE(wait_until([&] { return loop.state().gave_up; }));
    loop.stop();
    std::lock_guard<std::mutex> lock(listener.mutex);
    CHECK(listener.unavailable == 1);
    // The connect error, not "stream offline": an on-demand viewer's 503 quotes it.
    CHECK(listener.unavailable_reason.find("Connection refused") != std::string::npos);
    CHECK(listener.unavailable_before_expiry);
}
