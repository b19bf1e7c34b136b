// hls_segmenter.cpp - where segments open and close, and their PCR durations.
#include "server/pipeline/hls_segmenter.h"

using namespace std::chrono;

namespace {
constexpr uint64_t kPcrModulus = (uint64_t(1) << 33) * 300;
// Mux jitter: a keyframe's PCR may read a frame early, which must not push the cut a whole GOP on.
constexpr microseconds kKeyframeTolerance{100000};
// A PCR step larger than this is no duration but an unflagged jump of the source's clock.
constexpr microseconds kMaxPcrStep{60000000};

ChunkRef copy_packets(const PacketChunk& chunk, std::size_t from, std::size_t to) {
    auto part = std::make_shared<PacketChunk>();
    part->bytes.assign(chunk.bytes.begin() + from * ts::kPacketSize, chunk.bytes.begin() + to * ts::kPacketSize);
    part->arrived = chunk.arrived;
    return part;
}
}  // namespace

uint64_t pcr_distance(uint64_t a, uint64_t b) { return (b + kPcrModulus - a % kPcrModulus) % kPcrModulus; }

HlsSegmenter::HlsSegmenter(milliseconds segment) : segment_(segment) {}

std::shared_ptr<HlsSegment> HlsSegmenter::push(const ChunkRef& chunk, const HlsProgram& program) {
    first_pcr_.reset();
    const std::optional<uint64_t> before = last_pcr_;
    scan(*chunk, program, 0, chunk->packet_count());
    // The chunk's own time: its first PCR, else the last one before it.
    const Instant now{first_pcr_ ? first_pcr_ : before, chunk->arrived};
    last_arrived_ = chunk->arrived;
    if (program.video_pid == ts::kPidNull) return push_audio(chunk, program, now);

    const bool keyframe = chunk->random_access && chunk->psi;
    std::shared_ptr<HlsSegment> closed;
    if (open_) {
        const microseconds age = elapsed(now);
        if ((keyframe && age + kKeyframeTolerance >= segment_) || age >= target()) closed = close(now);
    }
    if (!open_) {
        if (keyframe) open(chunk->psi, now, true);
        else if (closed) open(latest_psi(), now, false);  // cut at the target without a keyframe
        else return closed;  // waiting for the first keyframe
    }
    open_->add(chunk);
    return closed;
}

std::shared_ptr<HlsSegment> HlsSegmenter::push_audio(const ChunkRef& chunk, const HlsProgram& program, const Instant& now) {
    const std::size_t count = chunk->packet_count();
    std::size_t cut = count;  // the first audio PES start, where a segment may open
    for (std::size_t i = 0; i < count; ++i) {
        const ts::PacketView packet(chunk->bytes.data() + i * ts::kPacketSize);
        if (packet.pid() == program.audio_pid && packet.pusi()) {
            cut = i;
            break;
        }
    }
    const bool may_open = cut < count && !pat_.empty() && pmt_started_;
    if (!open_ && !may_open) return nullptr;
    if (!open_ || !may_open || elapsed(now) < segment_) {
        if (!open_) {
            open(latest_psi(), now, false);
            open_->add(cut == 0 ? chunk : copy_packets(*chunk, cut, count));  // a small copy: audio only
        } else {
            open_->add(chunk);
        }
        return nullptr;
    }
    // Audio is a few hundred kbit/s: splitting a chunk copies little.
    if (cut > 0) open_->add(copy_packets(*chunk, 0, cut));
    std::shared_ptr<HlsSegment> closed = close(now);
    open(latest_psi(), now, false);
    open_->add(cut == 0 ? chunk : copy_packets(*chunk, cut, count));
    return closed;
}

std::shared_ptr<HlsSegment> HlsSegmenter::restart() {
    std::shared_ptr<HlsSegment> closed;
    if (open_) closed = close(Instant{last_pcr_, last_arrived_});
    discontinuity_ = produced_;
    last_pcr_.reset();
    pat_.clear();
    pmt_.clear();
    pmt_started_ = false;
    return closed;
}

void HlsSegmenter::discard() {
    restart();  // the segment it closes is dropped here, unpublished
}

void HlsSegmenter::scan(const PacketChunk& chunk, const HlsProgram& program, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
        const uint8_t* bytes = chunk.bytes.data() + i * ts::kPacketSize;
        const ts::PacketView packet(bytes);
        const uint16_t pid = packet.pid();
        if (pid == program.pcr_pid && packet.has_pcr()) {
            last_pcr_ = packet.pcr();
            if (!first_pcr_) first_pcr_ = last_pcr_;
        } else if (pid == ts::kPidPat && packet.pusi()) {
            pat_.assign(bytes, bytes + ts::kPacketSize);  // one packet: a PAT of one programme
        } else if (pid == program.pmt_pid && pid != ts::kPidNull) {
            if (packet.pusi()) {
                pmt_.clear();
                pmt_started_ = true;
            }
            if (pmt_started_) pmt_.insert(pmt_.end(), bytes, bytes + ts::kPacketSize);
        }
    }
}

microseconds HlsSegmenter::elapsed(const Instant& now) const {
    if (start_.pcr && now.pcr) {
        const microseconds by_pcr(pcr_distance(*start_.pcr, *now.pcr) / 27);
        if (by_pcr <= kMaxPcrStep) return by_pcr;
    }
    return duration_cast<microseconds>(now.arrived - start_.arrived);
}

std::shared_ptr<HlsSegment> HlsSegmenter::close(const Instant& now) {
    std::shared_ptr<HlsSegment> closed = std::move(open_);
    closed->duration = elapsed(now);
    return closed;
}

void HlsSegmenter::open(const ChunkRef& psi, const Instant& now, bool keyframe) {
    open_ = std::make_shared<HlsSegment>();
    if (psi) open_->add(psi);
    open_->keyframe_start = keyframe;
    open_->discontinuity = discontinuity_;
    open_->arrived = now.arrived;
    discontinuity_ = false;
    produced_ = true;
    start_ = now;
}

ChunkRef HlsSegmenter::latest_psi() const {
    if (pat_.empty() || !pmt_started_) return nullptr;
    auto psi = std::make_shared<PacketChunk>();
    psi->bytes = pat_;
    psi->bytes.insert(psi->bytes.end(), pmt_.begin(), pmt_.end());
    return psi;
}
