// config.h - the server configuration (restreamer's server.json format) and its parser.
// Parsing is pure: text in, Config or a one-line error out. Unknown keys become warnings.
// The keys and what each means are in config_schema.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/credentials.h"
#include "common/config/ip_filter.h"
#include "common/net/relay_url.h"
#include "common/net/url.h"
#include "common/ts/program_selection.h"

// A stream's HLS output (`hls`): playlist and segments under the prefix `serve`.
struct HlsConfig {
    std::string serve;       // a prefix ending in '/': serve + "index.m3u8", serve + "N.ts"
    unsigned segment_s = 2;  // a segment closes at the first keyframe this long after its start
    unsigned window = 6;     // segments listed
    // Origins a browser page may load it from: "*" or "https://host[:port]" each; empty = no CORS headers.
    std::vector<std::string> cors;
    // What the running output depends on (a change restarts the stream); cors is checked per request.
    bool same_output(const HlsConfig& o) const { return serve == o.serve && segment_s == o.segment_s && window == o.window; }
    bool operator==(const HlsConfig& o) const { return same_output(o) && cors == o.cors; }
};

// A stream's content-aware failover ("failover", "order", "failback").
struct FailoverConfig {
    unsigned cc_errors_per_s = 0;  // 0: not judged
    unsigned min_bitrate = 0;      // bit/s; 0: not judged
    bool require_video = false;
    unsigned after_s = 3;          // seconds a rule must stay broken
    bool listed_order = false;     // "order": "listed": remotes tried as written, the first is the primary
    unsigned failback_s = 0;       // with listed_order: probe the primary this often while on a backup; 0: never
    bool judges() const { return cc_errors_per_s > 0 || min_bitrate > 0 || require_video; }
    bool operator==(const FailoverConfig& o) const {
        return cc_errors_per_s == o.cc_errors_per_s && min_bitrate == o.min_bitrate && require_video == o.require_video &&
               after_s == o.after_s && listed_order == o.listed_order && failback_s == o.failback_s;
    }
};

struct Resource {
    enum class Type { stream, static_content, api, relay };
    Type type = Type::stream;
    std::string serve;                 // local path, starts with '/'; a relay's is a prefix ending in '/'
    std::vector<UpstreamUrl> remotes;  // stream: `remote` first, then `remotes`
    std::string api;                   // api: health, statistics, check, control, prometheus
    std::string remote_text;           // static and api: `remote` as written (file/URL, or a stream path)
    unsigned cache_s = 0;
    std::string preamble;              // file sent to each client before the stream
    bool fast_start = true;            // stream: new viewers start at the cached keyframe
    unsigned prebuffer_ms = 0;         // stream: ...at the oldest one this recent (`prebuffer`), not the last
    unsigned pid_timeout_ms = 5000;    // stream: a PID the PMT lists and not seen this long is a PID error
    bool tls_verify = true;            // stream: https remotes must present a certificate we trust
    bool nostats = false;              // stream: left out of statistics and metrics (`nostats`)
    bool ondemand = false;             // stream: the upstream is open only while someone watches
    unsigned linger_s = 30;            // ondemand and relay: seconds an upstream stays open after the last viewer
    AuthPolicy auth;                   // `authentication`; every user named is in Config::userlist
    IpFilter ip_filter;                // `allow` and `deny`; no rules = every address
    // stream: how the playlist api lists it; empty = the attribute is left out (name: see playlist.h)
    std::string name, tvg_id, logo, group;
    RelayRules relay;                  // relay: `groups`, `iface`, `ifacequery`; groups is never empty
    unsigned maxgroups = 64;           // relay: groups joined at once, at least 1
    std::optional<HlsConfig> hls;      // stream: HLS output, when `hls` is set
    FailoverConfig failover;           // stream: "failover", "order", "failback"
    ProgramSelection selection;        // stream and relay: `program`, `strip`, `audio`, `pids`
};
// Every field, so that a reload can tell which resources changed.
bool operator==(const Resource& a, const Resource& b);
inline bool operator!=(const Resource& a, const Resource& b) { return !(a == b); }

// restreamer's "notifications": a GET to `url` when the event happens.
struct Notification {
    // failover and failback: a stream switched remotes for its content (its "failover" rules).
    enum class Event { limit_hit, limit_miss, heartbeat, failover, failback };
    Event event = Event::heartbeat;
    std::string url;  // http:// or https://, as configured
    AuthPolicy::Type auth_type = AuthPolicy::Type::none;
    std::string user;  // not none: a user with a plain password, see authorization_for()
};
bool operator==(const Notification& a, const Notification& b);
inline bool operator!=(const Notification& a, const Notification& b) { return !(a == b); }
const char* to_string(Notification::Event event);  // "limit_hit", "limit_miss", "heartbeat", "failover", "failback"

// A userlist entry's "maxsessions" and "evict" (server/http/user_sessions.h counts them).
struct SessionLimit {
    unsigned max = 0;           // 0 = no limit
    bool evict_oldest = false;  // "evict": "oldest"; else the next session is refused
};

struct Config {
    std::string listen = "localhost:8000";
    unsigned timeout_s = 0;        // connect and protocol timeout; 0 = none
    unsigned reconnect_s = 10;     // delay between reconnect rounds; 0 = stay offline after a failure
    unsigned readtimeout_s = 0;    // upstream read timeout; 0 = wait forever
    unsigned requesttimeout_s = 5; // a request head must arrive whole within this; at least 1
    unsigned inputbuffer = 1000;   // packets
    unsigned outputbuffer = 400;   // packets per viewer; a lower bound (at least 4 MiB are kept)
    unsigned maxconnections = 0;   // 0 = no limit
    unsigned maxlag_s = 5;         // a viewer that keeps losing packets this long is disconnected
    unsigned fullconnections = 0;  // soft limit reported by health; 0 = none
    unsigned heartbeatinterval_s = 60;
    bool nostats = false;          // the top-level `nostats`: the default of every Resource::nostats
    bool ondemand = false;         // the default of every Resource::ondemand
    unsigned linger_s = 30;        // the default of every Resource::linger_s
    unsigned draindeadline_s = 60; // a drain closes the viewers left after this (SIGUSR1, drain API)
    std::string log;               // access log file; empty = none
    std::vector<Resource> resources;
    Userlist userlist;
    std::map<std::string, SessionLimit> session_limits;  // by user; users without a limit are absent
    std::vector<Cidr> trusted_proxies;  // X-Forwarded-For is believed from these peers only
    std::vector<Notification> notifications;
    std::string guide;      // playlist: x-tvg-url, an http(s) URL; empty = none
    std::string publicurl;  // playlist: base of its stream URLs, an http(s) URL; empty = from the request

    std::vector<const Resource*> streams() const;
};

// The error is one line: "FILE: key.path: problem" or "FILE:LINE:COL: syntax error: ...". Warnings
// are appended to `warnings`, one line each ("FILE: key.path: unknown key, ignored"), also when
// the parse fails: an unknown "remtoe" explains the missing "remote" that follows. file_name is
// only used in messages.
Parsed<Config> parse_config(std::string_view json_text, const std::string& file_name, std::vector<std::string>& warnings);
// Reads the file, then parse_config(); a missing or unreadable file is an error too.
Parsed<Config> load_config_file(const std::string& path, std::vector<std::string>& warnings);

// Splits a listen address: "host:port", "[::1]:8000", ":8000" (all interfaces), "localhost:http".
struct ListenAddress {
    std::string host;
    int port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);
