// hls_players.h - HlsPlayers: N players of one live HLS playlist, each as hls.js plays one: load the
// media playlist, fetch the segments it has not fetched yet in order (starting three from the live
// edge), reload the playlist one segment duration after the last load (half of it when nothing was
// new), all on one keep-alive connection per player (a new one when the server closes it). Run by a
// few threads with epoll, as LoadClients runs TS viewers. The owner reads counters while they run.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/net/net.h"

struct HlsTarget {
    sockaddr_storage address{};
    socklen_t address_len = 0;
    std::string host;    // as the URL names it: 127.0.0.1
    uint16_t port = 0;
    std::string prefix;  // "/hls/": the playlist is prefix + "index.m3u8", segment N is prefix + "N.ts"
};

class HlsPlayers {
public:
    struct Progress {
        std::size_t playing = 0;   // players that have fetched a segment
        uint64_t bytes = 0;        // body bytes of playlists and segments
        uint64_t segments = 0;     // segments fetched whole with a 200
        uint64_t playlists = 0;    // playlists loaded
        uint64_t missed = 0;       // segments answered 404 (left the window before the player came)
        uint64_t bad = 0;          // segments whose first packet was not a PAT
        uint64_t connects = 0;     // TCP connections opened (one per player while keep-alive holds)
    };

    // `rate` > 0: players start `rate` a second, evenly spaced; 0: all at once.
    HlsPlayers(const HlsTarget& target, std::size_t count, unsigned threads, double rate);
    ~HlsPlayers();
    HlsPlayers(const HlsPlayers&) = delete;
    HlsPlayers& operator=(const HlsPlayers&) = delete;

    Progress progress() const;
    // Segments each player has fetched so far, in a fixed order.
    std::vector<uint64_t> segments() const;
    // Joins the threads; idempotent.
    void stop();
    // Why players' requests failed (a reason per failure: "HTTP 503", "connection reset", ...),
    // counted; a player that failed starts again with a new connection a second later. After stop().
    std::map<std::string, std::size_t> failures() const;

private:
    struct Player;
    class Worker;

    HlsTarget target_;
    std::vector<std::unique_ptr<Player>> players_;
    std::vector<std::unique_ptr<Worker>> workers_;
    StopSignal stop_;
    std::vector<std::thread> threads_;
};
