#!/bin/sh
# `make run`: starts bin/source on the sample and bin/server with server.json; Ctrl-C stops both.
set -u
sample=$1
bin/source --listen localhost:10000 "$sample" &
source_pid=$!
bin/server server.json &
server_pid=$!
stop() {
    kill -TERM "$server_pid" "$source_pid" 2>/dev/null
    wait "$server_pid" "$source_pid" 2>/dev/null
    exit 0
}
trap stop INT TERM
sleep 1
echo
echo "  restreamer is serving the sample stream. Open it in VLC, mpv or ffplay:"
echo "      http://localhost:8000/stream.ts"
echo "  or: curl -s http://localhost:8000/stream.ts | ffprobe -hide_banner -"
echo "  Ctrl-C stops both programs."
echo
wait "$server_pid"
kill -TERM "$source_pid" 2>/dev/null
wait "$source_pid" 2>/dev/null
