// output_splitter.cpp - one read to every output: the program filters first (they read the buffer),
// the unfiltered output last (it takes the buffer itself); the PAT watch that answers 404 and 503.
#include "server/pipeline/output_splitter.h"

#include <algorithm>

#include "common/log.h"
#include "common/ts/psi_fields.h"

using namespace std::chrono;

namespace {
std::string program_list(const std::vector<uint16_t>& programs) {
    std::string list;
    for (uint16_t number : programs) list += (list.empty() ? "" : ",") + std::to_string(number);
    return list.empty() ? "none" : list;
}

std::string describe(const ProgramSelection& selection) {
    return selection.program ? "program " + std::to_string(*selection.program) : "the first program";
}
}  // namespace

OutputSplitter::Output::Output(ProgramSelection s, std::shared_ptr<Stream> st)
    : selection(std::move(s)), stream(std::move(st)) {
    if (!selection.passes_everything()) filter = std::make_unique<ProgramFilter>(selection);
}

OutputSplitter::OutputSplitter(StreamSettings settings, ProgramSelection selection, milliseconds grace)
    : settings_(std::move(settings)), selection_(std::move(selection)), grace_(grace) {
    auto main = std::make_shared<Output>(selection_, std::make_shared<Stream>(settings_));
    main_stream_ = main->stream;
    outputs_.push_back(main);
    reader_outputs_ = outputs_;
}

ProgramLookup OutputSplitter::output_for(uint16_t program, steady_clock::time_point deadline) {
    ProgramSelection wanted = selection_;
    wanted.program = program;
    std::unique_lock<std::mutex> lock(mutex_);
    if (!pat_arrived_.wait_until(lock, deadline, [this] { return pat_seen_; }))
        return {nullptr, 503, "no PAT from the upstream yet"};
    if (std::find(programs_.begin(), programs_.end(), program) == programs_.end())
        return {nullptr, 404, "program " + std::to_string(program) + " is not in the upstream's PAT (programs: " +
                                  program_list(programs_) + ")"};
    for (const auto& output : outputs_) {
        if (output->selection == wanted) return {output->stream, 200, {}};
    }
    StreamSettings settings = settings_;
    settings.path += "?program=" + std::to_string(program);
    settings.tap = nullptr;  // HLS is the main output's
    auto output = std::make_shared<Output>(wanted, std::make_shared<Stream>(std::move(settings)));
    output->stream->begin_start();  // settled by the reader at the program's first picture
    outputs_.push_back(output);
    outputs_changed_.store(true, std::memory_order_release);
    LogLine(LogLevel::info, "program_output_added").kv("stream", output->stream->path()).kv("selection", wanted.describe());
    return {output->stream, 200, {}};
}

std::vector<OutputRow> OutputSplitter::outputs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<OutputRow> rows;
    for (const auto& output : outputs_) {
        rows.push_back(OutputRow{output->stream, output->filter != nullptr, output->packets_passed.load(),
                                 output->packets_dropped.load(), output->dropped_pids.load()});
    }
    return rows;
}

std::optional<steady_clock::time_point> OutputSplitter::idle_since() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<steady_clock::time_point> since;
    for (const auto& output : outputs_) {
        const auto idle = output->stream->idle_since();
        if (!idle) return std::nullopt;
        since = since ? std::max(*since, *idle) : *idle;
    }
    return since;
}

void OutputSplitter::disconnect_viewers(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& output : outputs_) output->stream->disconnect_viewers(reason);
}

void OutputSplitter::set_offline(bool offline) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& output : outputs_) output->stream->set_offline(offline);
}

void OutputSplitter::take_new_outputs() {
    std::lock_guard<std::mutex> lock(mutex_);
    reader_outputs_ = outputs_;
    outputs_changed_.store(false, std::memory_order_relaxed);
}

void OutputSplitter::upstream_connected(bool splice) {
    connected_ = true;
    pat_sections_.reset();
    if (outputs_changed_.load(std::memory_order_acquire)) take_new_outputs();
    for (const auto& output : reader_outputs_) {
        if (!output->filter) {
            output->stream->upstream_connected(splice);
            output->live = output->ever_live = true;
        } else {
            output->filter->reset();  // live again once the new connection's PAT lists the program
        }
    }
}

void OutputSplitter::packets_received(std::vector<uint8_t>&& packets) {
    if (outputs_changed_.load(std::memory_order_acquire)) take_new_outputs();
    watch_pat(packets);
    const steady_clock::time_point now = steady_clock::now();
    Output* unfiltered = nullptr;
    for (const auto& output : reader_outputs_) {
        if (output->filter) feed_filtered(*output, packets, now);
        else unfiltered = output.get();
    }
    if (unfiltered) unfiltered->stream->packets_received(std::move(packets));
}

void OutputSplitter::sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors) {
    if (outputs_changed_.load(std::memory_order_acquire)) take_new_outputs();
    for (const auto& output : reader_outputs_) output->stream->sync_totals(sync_losses, sync_byte_errors);
}

void OutputSplitter::feed_filtered(Output& output, const std::vector<uint8_t>& packets, steady_clock::time_point now) {
    std::vector<uint8_t> kept;
    kept.reserve(packets.size());
    output.filter->process(packets.data(), packets.size(), kept);
    if (output.filter->take_presence_change()) on_presence(output, now);
    if (!kept.empty() && output.live) output.stream->packets_received(std::move(kept));
    output.packets_passed.store(output.filter->packets_passed(), std::memory_order_relaxed);
    output.packets_dropped.store(output.filter->packets_dropped(), std::memory_order_relaxed);
    output.dropped_pids.store(output.filter->dropped_pid_count(), std::memory_order_relaxed);
    if (output.gone_since && now - *output.gone_since >= grace_) {
        output.gone_since.reset();
        output.stream->outage_expired(describe(output.selection) + " left the upstream's PAT " +
                                      std::to_string(duration_cast<seconds>(grace_).count()) + " s ago");
    }
}

void OutputSplitter::on_presence(Output& output, steady_clock::time_point now) {
    const ProgramPresence presence = output.filter->presence();
    if (presence == ProgramPresence::present && !output.live) {
        LogLine(LogLevel::info, "program_found").kv("stream", output.stream->path())
            .kv("program", output.filter->program_number()).kv("pmt_pid", output.filter->pmt_pid());
        output.stream->upstream_connected(output.ever_live);  // a program back after a gap is spliced on
        output.live = output.ever_live = true;
        output.gone_since.reset();
    } else if (presence == ProgramPresence::absent && !output.gone_since) {
        // Also after a reconnect (the output is not live then): the upstream delivers again, so
        // only this grace closes the viewers still waiting for the program.
        LogLine(LogLevel::warn, "program_gone").kv("stream", output.stream->path())
            .kv("reason", describe(output.selection) + " is not in the upstream's PAT (programs: " +
                              program_list(output.filter->programs()) + ")");
        if (output.live) output.stream->upstream_lost();
        output.live = false;
        output.gone_since = now;
    }
}

void OutputSplitter::watch_pat(const std::vector<uint8_t>& packets) {
    for (std::size_t at = 0; at + ts::kPacketSize <= packets.size(); at += ts::kPacketSize) {
        const uint8_t* packet = packets.data() + at;
        if (ts::PacketView(packet).pid() != ts::kPidPat) continue;
        for (const PsiSection& section : pat_sections_.feed(packet)) {
            const std::vector<uint8_t>& b = section.bytes;
            if (b[0] != 0x00 || !ts::is_current(b) || b[6] != 0) continue;
            std::lock_guard<std::mutex> lock(mutex_);
            if (pat_seen_ && ts::section_crc(b) == pat_crc_) continue;
            pat_crc_ = ts::section_crc(b);
            programs_.clear();
            for (const auto& [number, pid] : ts::pat_entries(b)) {
                if (number != 0) programs_.push_back(number);
            }
            pat_seen_ = true;
            pat_arrived_.notify_all();
        }
    }
}

void OutputSplitter::upstream_lost() {
    connected_ = false;
    for (const auto& output : reader_outputs_) {
        if (output->live) output->stream->upstream_lost();
        output->live = false;
    }
}

void OutputSplitter::upstream_unavailable(const std::string& reason) {
    for (const auto& output : reader_outputs_) output->stream->upstream_unavailable(reason);
}

void OutputSplitter::outage_expired(const std::string& reason) {
    if (outputs_changed_.load(std::memory_order_acquire)) take_new_outputs();
    for (const auto& output : reader_outputs_) {
        output->gone_since.reset();
        output->stream->outage_expired(reason);
    }
}
