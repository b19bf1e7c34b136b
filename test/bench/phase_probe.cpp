// phase_probe.cpp - one blocking viewer that counts video keyframes with TsInspector.
#include "phase_probe.h"

#include <vector>

#include "common/net/net.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_packet.h"
#include "http_request.h"

using namespace std::chrono;

std::optional<std::string> wait_for_live_keyframe(const std::string& host, uint16_t port, const std::string& path,
                                                  milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    HttpResponseHead head;
    std::vector<uint8_t> bytes;
    std::string error;
    UniqueFd fd = http_request(host, port, "GET", path, timeout, head, bytes, error);
    if (!fd) return "phase probe: " + error;
    if (head.status != 200) return "phase probe: HTTP " + std::to_string(head.status);
    if (head.is_chunked()) return "phase probe: a chunked body is not supported";

    TsInspector inspector;
    int keyframes = 0;
    std::size_t used = 0;  // bytes of `bytes` inspected; the rest is a partial packet
    uint8_t buf[64 * 1024];
    for (;;) {
        for (; bytes.size() - used >= ts::kPacketSize; used += ts::kPacketSize)
            if (inspector.inspect(bytes.data() + used) == PacketKind::video_rap && ++keyframes == 2) return std::nullopt;
        bytes.erase(bytes.begin(), bytes.begin() + static_cast<long>(used));
        used = 0;
        const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0) return "phase probe: no live keyframe within " + std::to_string(timeout.count()) + " ms";
        long n = read_with_deadline(fd.get(), buf, sizeof buf, -1, left, error);
        if (n <= 0) return "phase probe: " + (n == 0 ? std::string("the server closed the stream") : error);
        bytes.insert(bytes.end(), buf, buf + n);
    }
}
