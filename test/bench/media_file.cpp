// media_file.cpp - one pass over the file's packets, PCRs of the first PID that carries one.
#include "media_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/ts/ts_framer.h"
#include "common/ts/ts_packet.h"

std::optional<double> ts_file_bitrate(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), packets;
    TsFramer framer;
    framer.push(bytes.data(), bytes.size(), packets);
    uint16_t pid = ts::kPidNull;
    std::size_t first_at = 0, last_at = 0;
    uint64_t first_pcr = 0, last_pcr = 0;
    for (std::size_t at = 0; at + ts::kPacketSize <= packets.size(); at += ts::kPacketSize) {
        const ts::PacketView view(packets.data() + at);
        if (!view.has_pcr() || (pid != ts::kPidNull && view.pid() != pid)) continue;
        if (pid == ts::kPidNull) {
            pid = view.pid();
            first_at = at;
            first_pcr = view.pcr();
        }
        last_at = at;
        last_pcr = view.pcr();
    }
    if (last_pcr <= first_pcr) {
        error = path + ": fewer than two increasing PCRs, so no rate to pace by";
        return std::nullopt;
    }
    return double(last_at - first_at) * 8 * double(ts::kPcrHz) / double(last_pcr - first_pcr);
}
