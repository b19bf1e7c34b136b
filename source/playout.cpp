// playout.cpp - loading the file and planning its pacing, before any client thread starts.
#include "source/playout.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/net/unique_fd.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"
#include "source/pcr_pacer.h"
#include "source/ts_looper.h"

namespace {

// The file's whole packets; empty with `error` set when there are none.
std::vector<uint8_t> load_packets(const std::string& path, std::string& error, uint64_t& skipped_bytes) {
    std::vector<uint8_t> packets;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error = std::strerror(errno);
        return {};
    }
    TsFramer framer;
    uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = std::strerror(errno);
            return {};
        }
        if (n == 0) break;
        framer.push(buf, static_cast<std::size_t>(n), packets);
    }
    skipped_bytes = framer.skipped_bytes();
    if (packets.empty()) error = "no MPEG-TS packets (sync byte 0x47) found";
    return packets;
}

// Chooses the rates from the file; false (after one error line) when there is nothing to pace by.
bool plan_playout(const std::string& file, Pacing pacing, uint64_t bitrate_bps, Playout& playout) {
    const uint8_t* data = playout.packets.data();
    const std::size_t size = playout.packets.size();
    std::optional<uint64_t> average = average_bitrate_bps(data, size);
    if (pacing == Pacing::bitrate) {
        playout.bitrate_bps = bitrate_bps;
    } else if (average) {
        playout.bitrate_bps = *average;
    } else if (uint64_t pes_duration = loop_duration_90khz(data, size, 0)) {
        // No PCR: the PES timestamps still tell how long the file plays.
        playout.bitrate_bps = uint64_t(size) * 8 * 90000 / pes_duration;
        if (playout.pacing == Pacing::pcr) playout.pacing = Pacing::bitrate;
    } else if (pacing == Pacing::pcr) {
        LogLine(LogLevel::error, "file_error")
            .kv("file", file)
            .kv("reason", "no PCR or PES timestamps to pace by; give --bitrate or --unpaced");
        return false;
    }
    playout.loop_duration_90khz = loop_duration_90khz(data, size, playout.bitrate_bps);
    return true;
}

}  // namespace

const char* to_string(Pacing pacing) {
    switch (pacing) {
    case Pacing::pcr: return "pcr";
    case Pacing::bitrate: return "bitrate";
    case Pacing::unpaced: return "unpaced";
    }
    return "?";
}

std::optional<Playout> load_playout(const std::string& file, const std::string& path, Pacing pacing,
                                    uint64_t bitrate_bps) {
    Playout playout;
    playout.path = path;
    playout.pacing = pacing;
    std::string error;
    uint64_t skipped_bytes = 0;
    playout.packets = load_packets(file, error, skipped_bytes);
    if (playout.packets.empty()) {
        LogLine(LogLevel::error, "file_error").kv("file", file).kv("reason", error);
        return std::nullopt;
    }
    if (!plan_playout(file, pacing, bitrate_bps, playout)) return std::nullopt;
    auto pcr = find_pcr_span(playout.packets.data(), playout.packets.size());
    LogLine(LogLevel::info, "file_loaded")
        .kv("file", file)
        .kv("packets", playout.packets.size() / ts::kPacketSize)
        .kv("skipped_bytes", skipped_bytes)
        .kv("pcr_pid", pcr ? std::to_string(pcr->pid) : "none")
        .kv("loop_seconds", playout.loop_duration_90khz / 90000.0)
        .kv("pacing", to_string(playout.pacing))
        .kv("bitrate", playout.bitrate_bps);
    return playout;
}
