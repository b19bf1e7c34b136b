// source_server.h - bin/source's listening socket and SourceServer, its accept loop. The main thread
// accepts, owns one thread per client and joins them; SIGINT/SIGTERM arrive on a signalfd.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <string>

#include "common/net/unique_fd.h"
#include "source/playout.h"

// Binds HOST:PORT ("[::1]:0", ":8000" for all interfaces); a name resolving to both families binds IPv4,
// as Go's net.Listen does for "localhost". Returns the socket and sets `bound`, or sets `error`.
UniqueFd open_listener(const std::string& listen, std::string& bound, std::string& error);

struct ClientThread;  // one viewer's thread and socket

class SourceServer {
public:
    // `playout` must outlive the server.
    SourceServer(UniqueFd listener, const Playout& playout);
    ~SourceServer();  // stop()
    SourceServer(const SourceServer&) = delete;
    SourceServer& operator=(const SourceServer&) = delete;

    // Accepts until a signal arrives on signal_fd; returns with every client thread joined.
    void run(int signal_fd);

private:
    bool accept_client();
    void reap_finished();
    void stop();

    UniqueFd listener_;
    UniqueFd wake_;  // eventfd: a client thread finished and can be joined
    const Playout& playout_;
    std::atomic<bool> stopping_{false};
    std::list<std::unique_ptr<ClientThread>> clients_;
};

