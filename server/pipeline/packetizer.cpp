// packetizer.cpp - splice, check, inspect and cut one read's packets into chunks.
#include "server/pipeline/packetizer.h"

#include <array>

void Packetizer::begin_upstream(bool splice, std::chrono::steady_clock::time_point now) {
    inspector_.reset();
    monitor_.restart(now, changes_);
    if (!splice) return;
    splicer_.begin_splice();
    ++splices_;
}

void Packetizer::push(std::vector<uint8_t>&& packets, std::chrono::steady_clock::time_point now, std::vector<ChunkRef>& out) {
    splice_dropped_ += splicer_.process(packets, continuity_);
    const std::size_t count = packets.size() / ts::kPacketSize;
    std::size_t start = 0;
    bool start_is_picture = false;
    ChunkRef start_psi;  // set when packet `start` is a keyframe
    auto emit = [&](std::size_t end) {
        if (end == start) return;
        auto chunk = std::make_shared<PacketChunk>();
        if (start == 0 && end == count) chunk->bytes = std::move(packets);
        else chunk->bytes.assign(packets.begin() + start * ts::kPacketSize, packets.begin() + end * ts::kPacketSize);
        chunk->picture_start = start_is_picture;
        chunk->random_access = start_psi != nullptr;
        chunk->psi = std::move(start_psi);
        start_psi = nullptr;
        chunk->arrived = now;
        out.push_back(std::move(chunk));
    };
    for (std::size_t i = 0; i < count; ++i) {
        const uint8_t* packet = packets.data() + i * ts::kPacketSize;
        const PacketKind kind = inspector_.inspect(packet);
        const ts::PacketView view(packet);
        if (kind == PacketKind::video_rap || (view.pusi() && view.pid() == inspector_.video_pid())) {
            emit(i);
            start = i;
            start_is_picture = true;
            // Before this packet is checked: the prefix's counters must end just before it.
            if (kind == PacketKind::video_rap) start_psi = make_psi_prefix();
        }
        const bool continuous = continuity_.check(packet);
        if (monitor_enabled_) monitor_.packet(packet, continuous, now);
    }
    emit(count);
    if (monitor_enabled_) monitor_.evaluate(now, changes_);
}

bool Packetizer::take_program_change() {
    if (inspector_.psi_generation() == psi_generation_) return false;
    psi_generation_ = inspector_.psi_generation();
    return inspector_.has_program();
}

PacketizerCounters Packetizer::counters() const {
    PacketizerCounters c;
    c.cc_errors = continuity_.errors();
    c.bad_sections = inspector_.bad_sections();
    c.splices = splices_;
    c.splice_dropped = splice_dropped_;
    return c;
}

ChunkRef Packetizer::make_psi_prefix() const {
    auto psi = std::make_shared<PacketChunk>();
    psi->bytes = inspector_.pat_packets();
    psi->bytes.insert(psi->bytes.end(), inspector_.pmt_packets().begin(), inspector_.pmt_packets().end());
    // The stored copies carry the counters of when the table was first seen; number them so that
    // the last copy of each PID has the counter of the last live packet, and the next live one follows.
    std::array<int, 8192> next_cc;
    next_cc.fill(-1);
    for (std::size_t i = psi->bytes.size(); i >= ts::kPacketSize; i -= ts::kPacketSize) {
        uint8_t* packet = psi->bytes.data() + i - ts::kPacketSize;
        const uint16_t pid = ts::PacketView(packet).pid();
        if (next_cc[pid] < 0) next_cc[pid] = continuity_.last_counter(pid).value_or(0);
        ts::set_continuity_counter(packet, static_cast<uint8_t>(next_cc[pid]));
        next_cc[pid] = (next_cc[pid] + 15) & 0x0F;
    }
    return psi;
}
