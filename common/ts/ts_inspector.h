// ts_inspector.h - TsInspector: follows the PAT and the first program's PMT, and tells which packets
// start a video random access point. Single-threaded: the stream's reader thread feeds and reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ts/psi_section.h"
#include "common/ts/ts_packet.h"
#include "common/ts/video_rap.h"

enum class PacketKind { other, pat, pmt, video_rap };

const char* to_string(PacketKind kind);

class TsInspector {
public:
    // Classifies one whole packet and learns from it. Every packet of the PAT PID and of the PMT PID is
    // `pat` / `pmt`, whole section or not. `video_rap` is a packet of the video PID with
    // payload_unit_start_indicator that opens a random access point: either its random_access_indicator
    // is set (trusted as the encoder's word), or the start of its PES payload shows a keyframe
    // (pes_starts_random_access; only this packet is scanned). Nothing is `video_rap` until the PMT
    // has named a video PID.
    PacketKind inspect(const uint8_t* packet);

    // The PAT has named a program and that program's PMT has arrived.
    bool has_program() const { return has_pmt_; }
    uint16_t program_number() const { return program_number_; }
    // ts::kPidNull until the PAT names a program.
    uint16_t pmt_pid() const { return pmt_pid_; }
    // ts::kPidNull (and codec none) when the PMT lists no video stream; the first one listed counts.
    uint16_t video_pid() const { return video_pid_; }
    VideoCodec video_codec() const { return video_codec_; }
    uint8_t video_stream_type() const { return video_stream_type_; }
    const std::vector<uint16_t>& audio_pids() const { return audio_pids_; }
    // stream_type - 8 bits, of each of audio_pids() (0x0F: AAC in ADTS, 0x03/0x04: MPEG audio, ...).
    const std::vector<uint8_t>& audio_stream_types() const { return audio_stream_types_; }
    // PCR_PID - 13 bits; ts::kPidNull when the PMT says the program has no PCR.
    uint16_t pcr_pid() const { return pcr_pid_; }

    // The packets that carried the latest PAT and PMT, whole and unchanged (continuity counters
    // included), to send to a new viewer before its first picture. Empty until they arrive; the PMT
    // packets are cleared when the PAT moves the program to another PID.
    const std::vector<uint8_t>& pat_packets() const { return pat_packets_; }
    const std::vector<uint8_t>& pmt_packets() const { return pmt_packets_; }
    // Goes up whenever pat_packets() or pmt_packets() change. A repeated table with the same
    // content (the usual case, several times a second) keeps the old packets and the generation.
    uint64_t psi_generation() const { return psi_generation_; }

    // Sections dropped for a wrong CRC_32 or a malformed header.
    uint64_t bad_sections() const { return pat_sections_.bad_sections() + pmt_sections_.bad_sections() + bad_tables_; }

    // Forgets everything, for a new upstream whose PIDs may differ.
    void reset();

private:
    void on_pat(PsiSection& section);
    void on_pmt(PsiSection& section);
    void forget_pmt();
    bool is_video_rap(const uint8_t* packet) const;

    SectionAssembler pat_sections_;
    SectionAssembler pmt_sections_;

    uint16_t program_number_ = 0;
    uint16_t pmt_pid_ = ts::kPidNull;
    bool has_pat_ = false;
    bool has_pmt_ = false;
    uint32_t pat_crc_ = 0;  // CRC_32 of the section behind pat_packets_: tells a repeat from a change
    uint32_t pmt_crc_ = 0;

    uint16_t video_pid_ = ts::kPidNull;
    VideoCodec video_codec_ = VideoCodec::none;
    uint8_t video_stream_type_ = 0;
    std::vector<uint16_t> audio_pids_;
    std::vector<uint8_t> audio_stream_types_;
    uint16_t pcr_pid_ = ts::kPidNull;

    std::vector<uint8_t> pat_packets_;
    std::vector<uint8_t> pmt_packets_;
    uint64_t psi_generation_ = 0;
    uint64_t bad_tables_ = 0;  // intact sections with impossible content
};
