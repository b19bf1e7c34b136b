// ts_check.cpp - bin/ts_check: reads a TS capture (FILE or stdin) and prints its alignment, continuity
// and PCR span figures on one line; exit status 0 when aligned with no more than --max-cc-errors
// gaps. Single-threaded.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ts/continuity.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_packet.h"
#include "common/net/unique_fd.h"

namespace {
constexpr const char* kUsage =
    "usage: ts_check [--max-cc-errors N] [--gaps-at-keyframes] [--head N] [FILE|-]\n"
    "Prints: bytes=N packets=N aligned=yes|no cc_errors=N sync_errors=N pids=N keyframe_gaps=N pcr_span=S\n"
    "Exit status 0 when aligned (whole packets, each starting with 0x47) and cc_errors <= N (default 0).\n"
    "--gaps-at-keyframes: a gap where a viewer was resumed at a keyframe is not a CC error: in the\n"
    "  few packets (PAT, PMT) just before a video keyframe, or on the first\n"
    "  packet of a PID after it. Such gaps are counted as keyframe_gaps.\n"
    "--head N: print \"pid= pusi= rai=\" for the first N packets instead, and exit 0.\n"
    "pcr_span: seconds of stream time between the first and the last PCR of the first PID that\n"
    "  carries one (jumps back or of more than 1 s, discontinuities, are left out).\n";

// How many packets before a keyframe may carry the PAT and PMT re-sent to a resumed viewer.
constexpr std::size_t kPsiPrefixPackets = 8;

int usage_error(const char* message) {
    std::fprintf(stderr, "ts_check: %s\n%s", message, kUsage);
    return 2;
}

struct Options {
    unsigned long max_cc_errors = 0;
    bool gaps_at_keyframes = false;
    unsigned long head = 0;
    std::string path = "-";
};

// Fills `options`; an exit status when the program ends now (help, bad usage).
std::optional<int> parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (arg == "--head") {
            if (++i >= argc) return usage_error("--head needs a number");
            options.head = std::strtoul(argv[i], nullptr, 10);
        } else if (arg == "--gaps-at-keyframes") {
            options.gaps_at_keyframes = true;
        } else if (arg == "--max-cc-errors") {
            if (++i >= argc) return usage_error("--max-cc-errors needs a number");
            char* end = nullptr;
            options.max_cc_errors = std::strtoul(argv[i], &end, 10);
            if (*argv[i] == '\0' || *end != '\0') return usage_error("--max-cc-errors needs a number");
        } else if (arg != "-" && arg[0] == '-') {
            return usage_error("unknown option");
        } else {
            options.path = arg;
        }
    }
    return std::nullopt;
}

// The whole of `path` ("-" = stdin); false after printing the error.
bool read_all(const std::string& path, std::vector<uint8_t>& data) {
    UniqueFd owned;
    int fd = STDIN_FILENO;
    if (path != "-") {
        owned.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!owned) {
            std::fprintf(stderr, "ts_check: %s: %s\n", path.c_str(), std::strerror(errno));
            return false;
        }
        fd = owned.get();
    }
    std::vector<uint8_t> buf(ts::kPacketSize * 2048);
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::fprintf(stderr, "ts_check: %s: %s\n", path.c_str(), std::strerror(errno));
            return false;
        }
        if (n == 0) return true;
        data.insert(data.end(), buf.begin(), buf.begin() + n);
    }
}

// Packets are taken at fixed 188-byte steps from the start, never resynchronised: a capture that
// needs resync is not aligned, and every packet without its sync byte counts as a sync error.
class Capture {
public:
    explicit Capture(std::vector<uint8_t> data) : data_(std::move(data)), keyframe_(packets(), false) {
        // Keyframes of the video PID only: muxers also flag every audio packet as a random access point.
        TsInspector inspector;
        for (std::size_t i = 0; i < packets(); ++i)
            keyframe_[i] = at(i)[0] == ts::kSyncByte && inspector.inspect(at(i)) == PacketKind::video_rap;
    }
    std::size_t bytes() const { return data_.size(); }
    std::size_t packets() const { return data_.size() / ts::kPacketSize; }
    const uint8_t* at(std::size_t i) const { return data_.data() + i * ts::kPacketSize; }
    bool is_keyframe(std::size_t i) const { return keyframe_[i]; }
    // A viewer resumed at keyframe k gets the PAT and PMT in the few packets before it.
    bool is_before_keyframe(std::size_t i) const {
        for (std::size_t j = i + 1; j < packets() && j <= i + kPsiPrefixPackets; ++j)
            if (keyframe_[j]) return true;
        return false;
    }

private:
    std::vector<uint8_t> data_;
    std::vector<bool> keyframe_;
};

void print_head(const Capture& capture, std::size_t head) {
    for (std::size_t i = 0; i < capture.packets() && i < head; ++i) {
        ts::PacketView view(capture.at(i));
        std::printf("pid=%u pusi=%d rai=%d\n", view.pid(), view.pusi() ? 1 : 0, view.random_access() ? 1 : 0);
    }
}

// Stream time covered by the PCRs of the first PID that carries one: what a player has to play.
double pcr_span(const Capture& capture) {
    constexpr uint64_t kWrap = (uint64_t(1) << 33) * 300;  // the 33-bit base in 27 MHz ticks
    std::optional<uint16_t> pcr_pid;
    std::optional<uint64_t> last;
    uint64_t ticks = 0;
    for (std::size_t i = 0; i < capture.packets(); ++i) {
        ts::PacketView view(capture.at(i));
        if (capture.at(i)[0] != ts::kSyncByte || !view.has_pcr()) continue;
        if (!pcr_pid) pcr_pid = view.pid();
        if (view.pid() != *pcr_pid) continue;
        const uint64_t pcr = view.pcr();
        const uint64_t step = last ? (pcr + kWrap - *last) % kWrap : 0;
        if (step <= ts::kPcrHz) ticks += step;
        last = pcr;
    }
    return double(ticks) / ts::kPcrHz;
}

// Prints the figures line; the exit status.
int check(const Capture& capture, const Options& options) {
    ContinuityChecker checker;
    uint64_t sync_errors = 0;
    uint64_t keyframe_gaps = 0;
    std::vector<bool> seen_since_keyframe(8192, true);
    for (std::size_t i = 0; i < capture.packets(); ++i) {
        const uint8_t* packet = capture.at(i);
        if (packet[0] != ts::kSyncByte) {
            ++sync_errors;
            continue;
        }
        const uint16_t pid = ts::PacketView(packet).pid();
        if (capture.is_keyframe(i)) std::fill(seen_since_keyframe.begin(), seen_since_keyframe.end(), false);
        const uint64_t errors_before = checker.errors();
        checker.check(packet);
        if (options.gaps_at_keyframes && checker.errors() != errors_before &&
            (capture.is_before_keyframe(i) || !seen_since_keyframe[pid]))
            ++keyframe_gaps;
        seen_since_keyframe[pid] = true;
    }

    const uint64_t cc_errors = checker.errors() - keyframe_gaps;
    bool aligned = capture.bytes() % ts::kPacketSize == 0 && sync_errors == 0;
    std::printf("bytes=%zu packets=%zu aligned=%s cc_errors=%llu sync_errors=%llu pids=%zu keyframe_gaps=%llu pcr_span=%.3f\n",
                capture.bytes(), capture.packets(), aligned ? "yes" : "no", static_cast<unsigned long long>(cc_errors),
                static_cast<unsigned long long>(sync_errors), checker.pid_count(),
                static_cast<unsigned long long>(keyframe_gaps), pcr_span(capture));
    return aligned && cc_errors <= options.max_cc_errors ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (auto status = parse_options(argc, argv, options)) return *status;
    // Read whole: the keyframe rule looks a few packets ahead.
    std::vector<uint8_t> data;
    if (!read_all(options.path, data)) return 2;
    const Capture capture(std::move(data));
    if (options.head > 0) {
        print_head(capture, options.head);
        return 0;
    }
    return check(capture, options);
}
