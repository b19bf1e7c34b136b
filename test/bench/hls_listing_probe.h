// hls_listing_probe.h - HlsListingProbe: how long after a segment's first keyframe reached the server
// the segment was listed in the live playlist. It polls the playlist every 10 ms; for each segment
// that appears it fetches the segment, takes its first PCR (ffmpeg puts one on every keyframe of
// the PCR PID, the packet a segment starts with after its PAT and PMT) and asks the live-edge tap
// when that packet went into the server. A segment is complete, and so listed, one segment duration
// after its keyframe: the figure is that plus the server's delay. One thread, owned and joined.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"
#include "edge_probe.h"
#include "stats.h"

class HlsListingProbe {
public:
    // Polls http://host:port/<prefix>index.m3u8 until destroyed; `tap` outlives the probe.
    HlsListingProbe(const LiveEdgeProbe& tap, std::string host, uint16_t port, std::string prefix);
    ~HlsListingProbe();
    HlsListingProbe(const HlsListingProbe&) = delete;
    HlsListingProbe& operator=(const HlsListingProbe&) = delete;

    struct Figures {
        Percentiles listed_ms;     // segments listed since the last take()
        std::size_t unmatched = 0;  // listed segments whose first PCR the tap did not know
        std::string error;          // the last request that failed, if any
    };
    Figures take();

private:
    void poll();
    void on_new_segment(uint64_t number, int64_t listed_ns);

    const LiveEdgeProbe& tap_;
    std::string host_;
    uint16_t port_;
    std::string prefix_;
    StopSignal stop_;
    std::mutex mutex_;
    std::vector<double> listed_ms_;
    std::size_t unmatched_ = 0;
    std::string error_;
    std::thread thread_;
};
