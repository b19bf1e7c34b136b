// output_splitter.h - OutputSplitter: the UpstreamListener of a channel's loop, which hands each read
// to every output of that one upstream: the main Stream (the upstream as it is, or the resource's
// `program`/`strip` selection) and one Stream per other program asked for with `?program=N`, each
// behind its own ProgramFilter and so with its own Packetizer, GOP cache and viewers. Outputs are
// made on first use by HTTP threads and never removed; the reader thread alone runs the filters
// and feeds the streams. A program output whose program leaves the PAT gets nothing new and counts
// as an upstream outage of its own: its viewers are closed after the grace.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/ts/program_filter.h"
#include "common/ts/program_selection.h"
#include "common/ts/psi_section.h"
#include "server/pipeline/stream.h"

// A program output found or made for a request, or why not: 404 (not in the PAT), 503 (no PAT yet).
struct ProgramLookup {
    std::shared_ptr<Stream> stream;
    int status = 200;
    std::string reason;
};

// One output as the statistics show it.
struct OutputRow {
    std::shared_ptr<Stream> stream;
    bool filtered = false;
    uint64_t packets_passed = 0;   // the program's packets from the upstream (filtered outputs)
    uint64_t packets_dropped = 0;  // the upstream's packets the filter dropped (other PIDs, stripped streams)
    uint64_t dropped_pids = 0;     // distinct PIDs dropped
};

class OutputSplitter : public UpstreamListener {
public:
    // `settings`: the main output's; program outputs take them with their own path and no tap.
    // `grace`: how long a program output keeps its viewers once its program has left the PAT.
    OutputSplitter(StreamSettings settings, ProgramSelection selection, std::chrono::milliseconds grace);

    const std::shared_ptr<Stream>& main() const { return main_stream_; }
    // The main output's program, if the resource names one.
    std::optional<uint16_t> main_program() const { return selection_.program; }

    // HTTP thread: the output of `program` (with the resource's strip rules), made on first use.
    // Waits until `deadline` for the upstream's first PAT; a new output's stream is started (its
    // first picture is waited for with Stream::wait_for_start).
    ProgramLookup output_for(uint16_t program, std::chrono::steady_clock::time_point deadline);
    // Any thread: every output, the main one first.
    std::vector<OutputRow> outputs() const;
    // When the last viewer of any output left, or nothing while one is attached.
    std::optional<std::chrono::steady_clock::time_point> idle_since() const;
    void disconnect_viewers(const std::string& reason);
    void set_offline(bool offline);

    // UpstreamListener: the reader thread.
    void upstream_connected(bool splice) override;
    void packets_received(std::vector<uint8_t>&& packets) override;
    // Sync is the whole transport stream's: every output's TR 101 290 monitor hears of it.
    void sync_totals(uint64_t sync_losses, uint64_t sync_byte_errors) override;
    void upstream_lost() override;
    void upstream_unavailable(const std::string& reason) override;
    void outage_expired(const std::string& reason) override;

private:
    struct Output {
        Output(ProgramSelection s, std::shared_ptr<Stream> st);
        const ProgramSelection selection;
        const std::shared_ptr<Stream> stream;
        std::unique_ptr<ProgramFilter> filter;  // null: the upstream as it is
        // Reader thread only.
        bool live = false;       // the stream has had upstream_connected since the last loss
        bool ever_live = false;  // a later connect is a splice
        std::optional<std::chrono::steady_clock::time_point> gone_since;  // the program left the PAT
        // Written by the reader, read by outputs().
        std::atomic<uint64_t> packets_passed{0};
        std::atomic<uint64_t> packets_dropped{0};
        std::atomic<uint64_t> dropped_pids{0};
    };
    using OutputList = std::vector<std::shared_ptr<Output>>;

    // Reader thread.
    void watch_pat(const std::vector<uint8_t>& packets);
    void feed_filtered(Output& output, const std::vector<uint8_t>& packets, std::chrono::steady_clock::time_point now);
    void on_presence(Output& output, std::chrono::steady_clock::time_point now);
    void take_new_outputs();

    const StreamSettings settings_;
    const ProgramSelection selection_;
    const std::chrono::milliseconds grace_;
    std::shared_ptr<Stream> main_stream_;

    mutable std::mutex mutex_;
    std::condition_variable pat_arrived_;
    OutputList outputs_;              // guarded by mutex_; [0] is the main output
    std::vector<uint16_t> programs_;  // guarded by mutex_: the program_numbers of the upstream's last PAT
    bool pat_seen_ = false;           // guarded by mutex_
    std::atomic<bool> outputs_changed_{false};

    // Reader thread only.
    OutputList reader_outputs_;
    bool connected_ = false;
    SectionAssembler pat_sections_;
    uint32_t pat_crc_ = 0;
};
