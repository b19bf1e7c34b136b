// fuzz_ts.cpp - libFuzzer target for what a stream's reader thread runs on upstream bytes, in the
// server's order: TsFramer over reads of fuzzer-chosen sizes, TsSplicer, then ContinuityChecker,
// TsInspector (PSI sections, video RAPs) and Tr101290Monitor (its own PAT/PMT parse, timers) over the
// spliced packets, checking invariants as it goes.
//
// Input: 10 control bytes, then the upstream bytes.
//   bytes 0-7  read sizes, used in turn: below 0x80 it is 1 + the value (1..128 bytes), from 0x80
//              16 * (value & 0x7F) + 1 (1..2033), so both byte-wise and large reads happen
//   byte 8     bit i set: a reconnect before read number i (mod 8), as the server does it:
//              begin_splice(), framer and inspector reset; at most kMaxSplices per input, as a
//              splice costs a pass over 8192 PIDs
//   byte 9     bit 0 set: rewrite the CRC_32 of PAT and PMT sections that fit in one packet, so
//              that mutated tables reach the PAT and PMT parsers instead of failing the CRC check
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/ts/continuity.h"
#include "common/ts/crc32_mpeg.h"
#include "common/ts/tr101290.h"
#include "common/ts/ts_framer.h"
#include "common/ts/ts_inspector.h"
#include "common/ts/ts_packet.h"
#include "common/ts/ts_splicer.h"
#include "fuzz_check.h"

namespace {

constexpr std::size_t kControlSize = 10;
constexpr int kMaxSplices = 8;

struct Control {
    std::size_t read_size(std::size_t read) const {
        const uint8_t c = bytes[read % 8];
        return c < 0x80 ? std::size_t(c) + 1 : std::size_t(c & 0x7F) * 16 + 1;
    }
    bool splice_before(std::size_t read) const { return bytes[8] & (1u << (read % 8)); }
    bool fix_crcs() const { return bytes[9] & 0x01; }
    const uint8_t* bytes;
};

bool all_synced(const uint8_t* bytes, std::size_t size) {
    if (size % ts::kPacketSize != 0) return false;
    for (std::size_t i = 0; i < size; i += ts::kPacketSize) {
        if (bytes[i] != ts::kSyncByte) return false;
    }
    return true;
}

// Gives the first section of a unit-start packet a valid CRC_32 when it is a PAT or PMT
// (table_id 0x00 or 0x02) that ends within the packet.
void fix_section_crc(uint8_t* packet) {
    ts::PacketView view(packet);
    const std::size_t offset = view.payload_offset();
    if (!view.pusi() || offset >= ts::kPacketSize) return;
    const std::size_t start = offset + 1 + packet[offset];  // past pointer_field
    if (start + 3 > ts::kPacketSize || (packet[start] != 0x00 && packet[start] != 0x02)) return;
    const std::size_t size = 3 + ((std::size_t(packet[start + 1] & 0x0F) << 8) | packet[start + 2]);
    if (size < 12 || start + size > ts::kPacketSize) return;
    const uint32_t crc = ts::crc32_mpeg(packet + start, size - 4);
    for (int i = 0; i < 4; ++i) packet[start + size - 4 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

// The splicer may change only the continuity_counter and the discontinuity_indicator of a PCR
// packet; anything else differing means it corrupted a packet.
bool same_but_splice_fields(const uint8_t* a, const uint8_t* b) {
    if (std::memcmp(a, b, 3) != 0 || (a[3] & 0xF0) != (b[3] & 0xF0)) return false;
    if (std::memcmp(a + 6, b + 6, ts::kPacketSize - 6) != 0 || a[4] != b[4]) return false;
    return a[5] == b[5] || (ts::PacketView(a).has_pcr() && (a[5] ^ b[5]) == 0x80);
}

// A packet that makes "clean counters in, clean counters out" unreasonable to ask of the splicer:
// with transport_error_indicator its header may be wrong, and a payload_unit_start without payload
// starts nothing. Streams with such packets are still run, only without that check.
bool is_odd_for_splicing(const uint8_t* packet) {
    ts::PacketView view(packet);
    return view.tei() || (view.pusi() && !view.has_payload());
}

bool all_of_pid(const std::vector<uint8_t>& packets, uint16_t pid) {
    for (std::size_t i = 0; i < packets.size(); i += ts::kPacketSize) {
        if (ts::PacketView(&packets[i]).pid() != pid) return false;
    }
    return true;
}

void inspect_packet(TsInspector& inspector, const uint8_t* packet, uint64_t& generation) {
    ts::PacketView view(packet);
    const uint16_t pmt_pid_before = inspector.pmt_pid();
    const uint16_t video_pid_before = inspector.video_pid();
    const VideoCodec codec_before = inspector.video_codec();
    // Only PSI packets can change the stored tables; copied for those only, to compare after.
    const bool maybe_psi = view.pid() == ts::kPidPat || view.pid() == pmt_pid_before;
    const std::vector<uint8_t> pat_before = maybe_psi ? inspector.pat_packets() : std::vector<uint8_t>();
    const std::vector<uint8_t> pmt_before = maybe_psi ? inspector.pmt_packets() : std::vector<uint8_t>();
    const PacketKind kind = inspector.inspect(packet);
    fuzz_check(to_string(kind) != nullptr, "to_string(PacketKind)");
    if (!view.tei()) fuzz_check((kind == PacketKind::pat) == (view.pid() == ts::kPidPat), "pat iff PID 0");
    if (kind == PacketKind::pmt) fuzz_check(view.pid() == pmt_pid_before && pmt_pid_before != ts::kPidNull, "pmt on the PMT PID");
    if (kind == PacketKind::video_rap) {
        fuzz_check(view.pid() == video_pid_before && codec_before != VideoCodec::none, "video_rap on the video PID");
        fuzz_check(view.pusi(), "video_rap starts a unit");
    }
    if (inspector.has_program()) fuzz_check(inspector.pmt_pid() != ts::kPidNull, "a program has a PMT PID");
    if (inspector.video_codec() == VideoCodec::none) fuzz_check(inspector.video_pid() == ts::kPidNull, "no codec, no video PID");
    fuzz_check(all_synced(inspector.pat_packets().data(), inspector.pat_packets().size()), "pat_packets are whole packets");
    fuzz_check(all_synced(inspector.pmt_packets().data(), inspector.pmt_packets().size()), "pmt_packets are whole packets");
    fuzz_check(all_of_pid(inspector.pat_packets(), ts::kPidPat), "pat_packets are on PID 0");
    fuzz_check(all_of_pid(inspector.pmt_packets(), inspector.pmt_pid()), "pmt_packets are on the PMT PID");
    if (inspector.has_program()) fuzz_check(!inspector.pat_packets().empty() && !inspector.pmt_packets().empty(), "a program has its tables");
    fuzz_check(inspector.psi_generation() >= generation, "psi_generation never goes down");
    if (maybe_psi && inspector.psi_generation() == generation) {
        fuzz_check(inspector.pat_packets() == pat_before && inspector.pmt_packets() == pmt_before, "tables change only with psi_generation");
    }
    if (!maybe_psi) fuzz_check(inspector.psi_generation() == generation, "only PSI packets change psi_generation");
    generation = inspector.psi_generation();
}

// What a splice promises viewers, checked on its output: the first packet (null packets aside) is
// a PAT unit start, the first packet of each PID starts a unit, the first PCR of each PID has the
// discontinuity_indicator.
struct SpliceWatch {
    void begin() {
        active = true;
        waiting_pat = true;
        waiting_start.assign(8192, true);
        waiting_pcr.assign(8192, true);
    }
    void check(const uint8_t* packet) {
        if (!active) return;
        ts::PacketView view(packet);
        const uint16_t pid = view.pid();
        if (pid == ts::kPidNull) return;
        if (waiting_pat) fuzz_check(pid == ts::kPidPat && view.pusi(), "after a splice output starts with a PAT");
        waiting_pat = false;
        if (waiting_start[pid]) fuzz_check(view.pusi(), "after a splice each PID starts at a unit start");
        waiting_start[pid] = false;
        if (view.has_pcr() && waiting_pcr[pid]) {
            fuzz_check(view.discontinuity(), "the first PCR after a splice is marked");
            waiting_pcr[pid] = false;
        }
    }
    bool active = false;
    bool waiting_pat = false;
    std::vector<bool> waiting_start;
    std::vector<bool> waiting_pcr;
};

// Feeds the same reads to a fresh framer with every 188th byte forced to a sync: an aligned stream
// must come out byte for byte, whatever the read sizes (all of it once the framer has locked).
void check_aligned_stream(const Control& control, const uint8_t* data, std::size_t size) {
    std::vector<uint8_t> aligned(data, data + size - size % ts::kPacketSize);
    for (std::size_t i = 0; i < aligned.size(); i += ts::kPacketSize) aligned[i] = ts::kSyncByte;
    TsFramer framer;
    std::vector<uint8_t> out;
    for (std::size_t pos = 0, read = 0; pos < aligned.size(); ++read) {
        const std::size_t n = std::min(control.read_size(read), aligned.size() - pos);
        framer.push(aligned.data() + pos, n, out);
        pos += n;
    }
    if (aligned.size() >= TsFramer::kLockSyncs * ts::kPacketSize) fuzz_check(out == aligned, "an aligned stream passes unchanged");
    else fuzz_check(out.empty(), "packets wait for the syncs that confirm a lock");
    fuzz_check(framer.skipped_bytes() == 0 && framer.sync_losses() == 0, "an aligned stream skips nothing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < kControlSize) return 0;
    const Control control{data};
    data += kControlSize;
    size -= kControlSize;

    TsFramer framer;
    TsSplicer splicer;
    TsInspector inspector;
    ContinuityChecker source_cc;  // per source, on the framed packets: reset at each reconnect
    ContinuityChecker output_cc;  // on what viewers get, across reconnects
    uint64_t generation = 0;
    uint64_t framed_bytes = 0;
    bool odd_packets = false;
    bool source_errors = false;
    int splices = 0;
    SpliceWatch watch;
    std::vector<uint8_t> packets;
    std::vector<uint8_t> framed;
    Tr101290Monitor monitor;
    std::vector<Tr101290Change> changes;
    auto now = Tr101290Monitor::Clock::time_point{} + std::chrono::hours(1);

    for (std::size_t pos = 0, read = 0; pos < size; ++read) {
        if (splices < kMaxSplices && control.splice_before(read)) {
            ++splices;
            splicer.begin_splice();
            watch.begin();
            framer.reset();
            inspector.reset();
            monitor.restart(now, changes);
            source_errors = source_errors || source_cc.errors() != 0;
            source_cc.reset();
        }
        const std::size_t n = std::min(control.read_size(read), size - pos);
        packets.clear();
        framer.push(data + pos, n, packets);
        pos += n;
        fuzz_check(all_synced(packets.data(), packets.size()), "the framer yields whole packets starting with 0x47");
        framed_bytes += packets.size();
        for (std::size_t i = 0; i < packets.size(); i += ts::kPacketSize) {
            uint8_t* packet = packets.data() + i;
            if (control.fix_crcs()) fix_section_crc(packet);
            source_cc.check(packet);
            odd_packets = odd_packets || is_odd_for_splicing(packet);
        }

        framed = packets;
        const std::size_t dropped = splicer.process(packets, output_cc);
        fuzz_check(packets.size() + dropped * ts::kPacketSize == framed.size(), "process() counts what it drops");
        // The kept packets are the framed ones, in order, with only the splice fields changed.
        std::size_t in = 0;
        for (std::size_t out = 0; out < packets.size(); out += ts::kPacketSize) {
            while (in < framed.size() && !same_but_splice_fields(&framed[in], &packets[out])) in += ts::kPacketSize;
            fuzz_check(in < framed.size(), "spliced packets are framed packets, in order");
            in += ts::kPacketSize;
        }

        for (std::size_t i = 0; i < packets.size(); i += ts::kPacketSize) {
            const uint8_t* packet = packets.data() + i;
            const uint64_t errors = output_cc.errors();
            const bool ok = output_cc.check(packet);
            fuzz_check(output_cc.errors() == errors + (ok ? 0 : 1), "check() is false exactly when it counts an error");
            watch.check(packet);
            inspect_packet(inspector, packet, generation);
            monitor.packet(packet, ok, now);
        }
        // Reads 30 ms apart: timers fire within a few reads.
        now += std::chrono::milliseconds(30);
        monitor.sync_totals(framer.sync_losses(), framer.sync_byte_errors(), now);
        monitor.evaluate(now, changes);
        fuzz_check(monitor.counts().errors[std::size_t(Tr101290Indicator::cc_error)] == output_cc.errors(),
                   "the monitor counts the CC errors the checker found");
        fuzz_check(monitor.pid_rates().size() <= Tr101290Monitor::kMaxPids + 1, "PID slots are bounded");
        changes.clear();
    }
    source_errors = source_errors || source_cc.errors() != 0;
    if (!odd_packets && !source_errors) fuzz_check(output_cc.errors() == 0, "sources with clean counters splice into clean counters");

    framer.reset();
    fuzz_check(framed_bytes + framer.skipped_bytes() == size, "every byte is framed or skipped");
    check_aligned_stream(control, data, size);
    return 0;
}
