// rig.h - Rig: what one stream's steps run against: bin/source playing the file, and each server under
// test (bin/server, and the floor unless --no-floor), each fed through its own live-edge tap and
// watched by that probe's viewer. Built and torn down per stream and run, so every run starts from
// fresh processes. Owner thread only (the probes run threads of their own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/net/net.h"
#include "edge_probe.h"
#include "hls_step.h"
#include "load_client.h"
#include "processes.h"
#include "step.h"

struct Endpoint {
    std::string host;
    uint16_t port = 0;
};

// One server under test.
struct Contender {
    std::string name;                     // "server" (bin/server) or "floor"
    std::unique_ptr<LiveEdgeProbe> edge;  // made first: the server's upstream goes through its tap
    std::unique_ptr<ChildProcess> process;
    Endpoint endpoint;
    LoadTarget target;
};

struct RigSettings {
    std::string bin_dir;
    std::string work_dir;
    std::string stream;         // the TS file bin/source plays
    std::string label;          // names the logs and configs: server-<label>.log, ...
    bool floor = true;
    std::size_t max_viewers = 0;  // the largest step; bin/server's maxconnections leaves room above it
    double hls_segment_s = 0;     // > 0: bin/server also serves the stream as HLS at kHlsPrefix
};

constexpr const char* kHlsPrefix = "/hls/";

class Rig {
public:
    // Starts everything and waits until each server serves the stream. Throws std::runtime_error
    // (saying which log to read) when something does not start, Interrupted on Ctrl-C.
    Rig(const RigSettings& settings, const StopSignal& interrupt);
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    // bin/server first, then the floor.
    const std::vector<std::unique_ptr<Contender>>& contenders() const { return contenders_; }
    // One step against `c` (after a live keyframe plus `phase_ms`, when given), then waits until `c`
    // has closed the step's viewers. Throws when `c` exited. `queries` ("?program=1", ...): the
    // viewers are spread over the stream's path with each; none: the path alone.
    StepResult measure(Contender& c, const StepSettings& settings, std::optional<double> phase_ms,
                       const std::vector<std::string>& queries = {});

    // The HLS step against bin/server (`c`), then the same wait as measure().
    HlsStepResult measure_hls(Contender& c, const HlsStepSettings& settings);

private:
    // Waits until `c` holds no more descriptors than `idle_fds` again; throws when it exited.
    void wait_idle(Contender& c, std::size_t idle_fds);
    // Starts the tap, then the process `argv` makes for the tap's URL, and waits until it serves.
    void add_contender(const std::string& name, const Endpoint& source, const std::string& log_path,
                       const std::function<std::vector<std::string>(const std::string& upstream)>& argv);
    Endpoint start_listening(ChildProcess& child, const std::string& name);
    void wait_serving(Contender& c);

    const StopSignal& interrupt_;
    std::unique_ptr<ChildProcess> source_;
    std::vector<std::unique_ptr<Contender>> contenders_;
};
