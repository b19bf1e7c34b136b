// hls_listing_probe.cpp - the playlist poll, and the match of a new segment's first PCR with the tap.
#include "hls_listing_probe.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdlib>
#include <sstream>

#include "common/ts/ts_packet.h"
#include "http_request.h"
#include "socket_clock.h"

using namespace std::chrono;

namespace {
constexpr milliseconds kPollEvery{10};
constexpr milliseconds kTimeout{3000};

// Segment numbers of a media playlist's URI lines ("N.ts").
std::vector<uint64_t> listed_numbers(const std::vector<uint8_t>& body) {
    std::istringstream lines(std::string(body.begin(), body.end()));
    std::vector<uint64_t> out;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line[0] != '#') out.push_back(std::strtoull(line.c_str(), nullptr, 10));
    return out;
}
}  // namespace

HlsListingProbe::HlsListingProbe(const LiveEdgeProbe& tap, std::string host, uint16_t port, std::string prefix)
    : tap_(tap), host_(std::move(host)), port_(port), prefix_(std::move(prefix)), thread_([this] { poll(); }) {}

HlsListingProbe::~HlsListingProbe() {
    stop_.signal();
    thread_.join();
}

HlsListingProbe::Figures HlsListingProbe::take() {
    std::lock_guard<std::mutex> lock(mutex_);
    Figures out{percentiles(std::move(listed_ms_)), unmatched_, error_};
    listed_ms_.clear();
    unmatched_ = 0;
    return out;
}

void HlsListingProbe::poll() {
    std::optional<uint64_t> newest;  // what the first playlist lists was listed before the probe came
    do {
        HttpResponseHead head;
        std::vector<uint8_t> body;
        std::string error;
        if (!http_get(host_, port_, prefix_ + "index.m3u8", kTimeout, head, body, error) || head.status != 200) {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = "playlist: " + (error.empty() ? "HTTP " + std::to_string(head.status) : error);
            continue;
        }
        const int64_t listed_ns = realtime_ns();
        const std::vector<uint64_t> listed = listed_numbers(body);
        if (listed.empty()) continue;
        if (newest)
            for (uint64_t number : listed)
                if (number > *newest) on_new_segment(number, listed_ns);
        newest = std::max(newest.value_or(0), listed.back());
    } while (!stop_.wait_for(kPollEvery));
}

void HlsListingProbe::on_new_segment(uint64_t number, int64_t listed_ns) {
    HttpResponseHead head;
    std::vector<uint8_t> body;
    std::string error;
    const bool got = http_get(host_, port_, prefix_ + std::to_string(number) + ".ts", kTimeout, head, body, error) &&
                     head.status == 200;
    std::optional<int64_t> tapped;
    for (std::size_t at = 0; got && !tapped && at + ts::kPacketSize <= body.size(); at += ts::kPacketSize) {
        const ts::PacketView packet(body.data() + at);
        if (!packet.has_pcr()) continue;
        tapped = tap_.tapped_at(packet.pid(), packet.pcr());
        break;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!got) error_ = "segment " + std::to_string(number) + ": " + (error.empty() ? "HTTP " + std::to_string(head.status) : error);
    if (tapped) listed_ms_.push_back(double(listed_ns - *tapped) / 1e6);
    else ++unmatched_;
}
