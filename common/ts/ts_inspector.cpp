// ts_inspector.cpp - PAT and PMT parsing (ISO/IEC 13818-1 2.4.4), elementary stream classification
// and the random access test on the video PID.
#include "common/ts/ts_inspector.h"

#include "common/ts/psi_fields.h"
#include "common/ts/stream_types.h"

using ts::is_current;
using ts::read_length12;
using ts::read_pid;
using ts::read_u16;
using ts::read_u32;

const char* to_string(PacketKind kind) {
    switch (kind) {
    case PacketKind::other: return "other";
    case PacketKind::pat: return "pat";
    case PacketKind::pmt: return "pmt";
    case PacketKind::video_rap: return "video_rap";
    }
    return "unknown";
}

PacketKind TsInspector::inspect(const uint8_t* packet) {
    ts::PacketView view(packet);
    if (!view.has_sync() || view.tei()) return PacketKind::other;
    const uint16_t pid = view.pid();
    if (pid == ts::kPidPat) {
        for (PsiSection& section : pat_sections_.feed(packet)) on_pat(section);
        return PacketKind::pat;
    }
    if (pid == pmt_pid_ && pmt_pid_ != ts::kPidNull) {
        for (PsiSection& section : pmt_sections_.feed(packet)) on_pmt(section);
        return PacketKind::pmt;
    }
    if (pid == video_pid_ && video_codec_ != VideoCodec::none && is_video_rap(packet)) return PacketKind::video_rap;
    return PacketKind::other;
}

bool TsInspector::is_video_rap(const uint8_t* packet) const {
    ts::PacketView view(packet);
    if (!view.pusi()) return false;
    if (view.random_access()) return true;
    const std::size_t offset = view.payload_offset();
    if (offset >= ts::kPacketSize) return false;
    return pes_starts_random_access(video_codec_, packet + offset, ts::kPacketSize - offset);
}

void TsInspector::on_pat(PsiSection& section) {
    const std::vector<uint8_t>& b = section.bytes;
    if (b[0] != 0x00) {  // table_id: only program_association_section belongs on PID 0
        ++bad_tables_;
        return;
    }
    // Only section_number 0 is followed: a PAT outgrows one section only past ~250 programs.
    if (!is_current(b) || b[6] != 0) return;
    const uint32_t crc = read_u32(&b[b.size() - 4]);
    if (has_pat_ && crc == pat_crc_) return;

    uint16_t program_number = 0;
    uint16_t pmt_pid = ts::kPidNull;
    for (std::size_t pos = 8; pos + 4 <= b.size() - 4; pos += 4) {
        const uint16_t number = read_u16(&b[pos]);
        if (number == 0) continue;  // network_PID, not a program
        program_number = number;
        pmt_pid = read_pid(&b[pos + 2]);
        break;
    }
    if (pmt_pid == ts::kPidPat) pmt_pid = ts::kPidNull;
    if (program_number != program_number_ || pmt_pid != pmt_pid_) {
        forget_pmt();
        pmt_sections_.reset();
        program_number_ = program_number;
        pmt_pid_ = pmt_pid;
    }
    has_pat_ = true;
    pat_crc_ = crc;
    pat_packets_.swap(section.packets);
    ++psi_generation_;
}

void TsInspector::on_pmt(PsiSection& section) {
    const std::vector<uint8_t>& b = section.bytes;
    // The PMT PID may carry other tables, and the PMTs of other programs.
    if (b[0] != 0x02 || !is_current(b) || read_u16(&b[3]) != program_number_) return;
    const uint32_t crc = read_u32(&b[b.size() - 4]);
    if (has_pmt_ && crc == pmt_crc_) return;

    const std::size_t end = b.size() - 4;
    const uint16_t pcr_pid = read_pid(&b[8]);
    std::size_t pos = 12 + read_length12(&b[10]);  // past program_info_length - 12 bits
    uint16_t video_pid = ts::kPidNull;
    VideoCodec video_codec = VideoCodec::none;
    uint8_t video_stream_type = 0;
    std::vector<uint16_t> audio_pids;
    std::vector<uint8_t> audio_stream_types;
    bool overrun = pos > end;
    while (!overrun && pos + 5 <= end) {
        const uint8_t stream_type = b[pos];
        const uint16_t pid = read_pid(&b[pos + 1]);
        const std::size_t info_length = read_length12(&b[pos + 3]);  // ES_info_length - 12 bits
        overrun = pos + 5 + info_length > end;
        if (overrun) break;
        const VideoCodec codec = video_codec_of_stream_type(stream_type);
        if (codec != VideoCodec::none && video_codec == VideoCodec::none) {
            video_pid = pid;
            video_codec = codec;
            video_stream_type = stream_type;
        } else if (ts::is_audio_stream(stream_type, &b[pos + 5], info_length)) {
            audio_pids.push_back(pid);
            audio_stream_types.push_back(stream_type);
        }
        pos += 5 + info_length;
    }
    if (overrun) {  // a length that points past the CRC_32: the rest cannot be trusted
        ++bad_tables_;
        return;
    }
    has_pmt_ = true;
    pmt_crc_ = crc;
    pcr_pid_ = pcr_pid;
    video_pid_ = video_pid;
    video_codec_ = video_codec;
    video_stream_type_ = video_stream_type;
    audio_pids_ = std::move(audio_pids);
    audio_stream_types_ = std::move(audio_stream_types);
    pmt_packets_.swap(section.packets);
    ++psi_generation_;
}

void TsInspector::forget_pmt() {
    has_pmt_ = false;
    pmt_crc_ = 0;
    video_pid_ = ts::kPidNull;
    video_codec_ = VideoCodec::none;
    video_stream_type_ = 0;
    audio_pids_.clear();
    audio_stream_types_.clear();
    pcr_pid_ = ts::kPidNull;
    if (!pmt_packets_.empty()) ++psi_generation_;
    pmt_packets_.clear();
}

void TsInspector::reset() {
    pat_sections_.reset();
    pmt_sections_.reset();
    forget_pmt();
    has_pat_ = false;
    pat_crc_ = 0;
    program_number_ = 0;
    pmt_pid_ = ts::kPidNull;
    if (!pat_packets_.empty()) ++psi_generation_;
    pat_packets_.clear();
}
