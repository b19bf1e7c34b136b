#!/usr/bin/env bash
# Two remotes: the connected one is killed, the other takes over within the grace period (timeout),
# and a viewer stays connected through the switch with a stream that is still continuity-clean and
# decodable. Prints the measured failover gap.
source "$(dirname "$0")/lib.sh"
start_source a "$SAMPLE"; pid_a=$LAST_PID; port_a=$SOURCE_PORT
start_source b "$SAMPLE"; pid_b=$LAST_PID; port_b=$SOURCE_PORT
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "resources": [ { "type": "stream", "serve": "/tv.ts",
    "remotes": [ "http://127.0.0.1:$port_a/stream.ts", "http://127.0.0.1:$port_b/stream.ts" ] } ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
first=$(sed -n 's/.*event=upstream_connected .*remote=http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$T/server.log" | head -1)
[[ $first == "$port_a" ]] && { victim=$pid_a; survivor=$port_b; } || { victim=$pid_b; survivor=$port_a; }
echo "connected to $first first; killing it"

curl -s -m 10 -o "$T/cap.ts" "http://127.0.0.1:$SERVER_PORT/tv.ts" & viewer=$!
wait_until 5 grep -q "event=client_connected" "$T/server.log" || fail "viewer did not connect"
sleep 3
kill -KILL $victim
wait_until 5 grep -q "event=upstream_connected .*remote=http://127.0.0.1:$survivor/.*gap_ms=" "$T/server.log" ||
    { cat "$T/server.log"; fail "no failover to the second remote"; }
grep "event=upstream_" "$T/server.log"
gap=$(sed -n 's/.*event=upstream_connected .*gap_ms=\([0-9]*\).*/\1/p' "$T/server.log")
echo "failover gap: $gap ms"
wait $viewer || true

grep -q "event=client_disconnected" "$T/server.log" && fail "the viewer was disconnected by the failover"
"$BIN/ts_check" "$T/cap.ts" || fail "continuity broken across the failover"
bytes=$(ts_figure "$T/cap.ts" bytes)
(( bytes > 2000000 )) || fail "viewer got only $bytes bytes in 10 s across a failover"
frames=$(ffprobe -v quiet -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$T/cap.ts" | grep -o '^[0-9]*' | sort -n | tail -1)
echo "decoded video frames: $frames"
(( frames >= 200 )) || fail "only $frames frames decoded from 10 s across a failover"
