#!/bin/bash
# `make run`: starts bin/source on the sample and bin/server with server.json; Ctrl-C stops both.
set -u
sample=$1
bin/source --listen localhost:10000 "$sample" &
source_pid=$!
# The server's first connect should find the source listening, not wait for a reconnect round.
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null && break; sleep 0.1; done
bin/server server.json &
server_pid=$!
stop() {
    kill -TERM "$server_pid" "$source_pid" 2>/dev/null
    wait "$server_pid" "$source_pid" 2>/dev/null
    exit 0
}
trap stop INT TERM
# The URL is printed once it serves (HEAD answers 200 when the upstream is connected).
for _ in $(seq 100); do curl -sfI -o /dev/null http://localhost:8000/stream.ts && break; sleep 0.1; done
echo
echo "  restreamer is serving the sample stream. Open it in VLC, mpv or ffplay:"
echo "      http://localhost:8000/stream.ts"
echo "  or: curl -s http://localhost:8000/stream.ts | ffprobe -hide_banner -"
echo "  The same sample on demand (opened by its first viewer): http://localhost:8000/ondemand.ts"
echo "  Playlist: http://localhost:8000/playlist.m3u   Status page: http://localhost:8000/status"
echo "  Ctrl-C stops both programs."
echo
wait "$server_pid"
kill -TERM "$source_pid" 2>/dev/null
wait "$source_pid" 2>/dev/null
