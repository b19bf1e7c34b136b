// tr101290_cost.cpp - bin/tr101290_cost: the reader thread's CPU per GB of input with and without the
// TR 101 290 monitor, in one run: the file, cut into reads, goes through what the reader does after
// read(2) (TsFramer, then Stream: packetizer, GOP cache, fan-out to no viewer), in alternating rounds
// so that both modes see the same machine load; the thread's CPU time is summed per mode.
// TR101290_COST_AA=1 runs the checks in neither (an A/A run: the figure must come out near 0 %);
// TR101290_COST_ROUNDS=1 prints each round.
#include <fcntl.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/ts/ts_framer.h"
#include "server/pipeline/stream.h"

namespace {

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

struct Reader {
    explicit Reader(bool checks) : stream(settings(checks)) {}
    static StreamSettings settings(bool checks) {
        StreamSettings s;
        s.path = checks ? "/with.ts" : "/without.ts";
        s.tr101290.enabled = checks;
        return s;
    }
    TsFramer framer;
    Stream stream;
};

// Feeds the file (`fd`, `size` bytes) `loops` times in reads of `read_packets`, each one pread(2)
// as a file upstream's (a socket's recv costs more: the figure errs towards the checks' share);
// returns the thread CPU seconds spent.
double feed(Reader& reader, int fd, std::size_t size, int loops, std::size_t read_packets) {
    const std::size_t read_bytes = read_packets * ts::kPacketSize;
    std::vector<uint8_t> buffer(read_bytes);
    const double start = thread_cpu_seconds();
    for (int loop = 0; loop < loops; ++loop) {
        for (std::size_t pos = 0; pos + read_bytes <= size; pos += read_bytes) {
            const ssize_t n = pread(fd, buffer.data(), read_bytes, static_cast<off_t>(pos));
            if (n <= 0) break;
            std::vector<uint8_t> packets;
            packets.reserve(read_bytes);
            reader.framer.push(buffer.data(), static_cast<std::size_t>(n), packets);
            reader.stream.sync_totals(reader.framer.sync_losses(), reader.framer.sync_byte_errors());
            reader.stream.packets_received(std::move(packets));
        }
    }
    return thread_cpu_seconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: tr101290_cost FILE.ts [ROUNDS (8)] [PACKETS_PER_READ (64)]\n");
        return 2;
    }
    const int fd = open(argv[1], O_RDONLY);
    const off_t end = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
    const std::size_t size = end > 0 ? std::size_t(end) - std::size_t(end) % ts::kPacketSize : 0;
    if (size == 0) {
        std::fprintf(stderr, "tr101290_cost: cannot read %s\n", argv[1]);
        return 1;
    }
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 8;
    const std::size_t read_packets = argc > 3 ? std::max<std::size_t>(1, std::strtoul(argv[3], nullptr, 10)) : 64;
    const int loops = std::max(1, int(64e6 / double(size)));  // about 64 MB per round and mode
    // Two readers' chunks come and go in turn: without this, glibc hands one of them freshly
    // faulted pages every round (an A/A run showed the second reader 2.7 times slower).
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    set_log_level(LogLevel::error);  // the file's loop point is a CC error and a PCR jump each time
    Reader with(std::getenv("TR101290_COST_AA") == nullptr);
    Reader without(false);
    with.stream.upstream_connected(false);
    without.stream.upstream_connected(false);
    double cpu_with = 0, cpu_without = 0;
    std::vector<double> ratios;  // per round: a neighbour's burst on a shared machine skews one, not the median
    for (int round = 0; round < rounds; ++round) {
        // Each mode goes first every other round: neither gains from the caches the other warmed.
        const bool with_first = round % 2 == 1;
        const double first = feed(with_first ? with : without, fd, size, loops, read_packets);
        const double second = feed(with_first ? without : with, fd, size, loops, read_packets);
        const double w = with_first ? first : second, wo = with_first ? second : first;
        cpu_with += w;
        cpu_without += wo;
        ratios.push_back(w / wo);
        if (std::getenv("TR101290_COST_ROUNDS")) std::printf("round %d: without %.4f with %.4f\n", round, wo, w);
    }
    std::sort(ratios.begin(), ratios.end());
    const double gb = double(size) * loops * rounds / 1e9;
    close(fd);
    std::printf("input %.2f GB per mode, reads of %zu packets\n", gb, read_packets);
    std::printf("without checks: %.3f CPU s per GB\n", cpu_without / gb);
    std::printf("with checks:    %.3f CPU s per GB\n", cpu_with / gb);
    std::printf("cost of the checks: %+.1f %% over all rounds, %+.1f %% the median round\n",
                (cpu_with / cpu_without - 1) * 100, (ratios[ratios.size() / 2] - 1) * 100);
    return 0;
}
