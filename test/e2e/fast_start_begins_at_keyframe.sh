#!/usr/bin/env bash
# A viewer that connects mid-GOP first gets PAT, then PMT, then a video keyframe, and its first
# frames decode without errors. With "fast_start": false it starts wherever the live stream is.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1,
  "resources": [ { "type": "stream", "serve": "/fast.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
                 { "type": "stream", "serve": "/plain.ts", "fast_start": false,
                   "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" } ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /fast.ts || fail "stream never connected"
wait_until 10 grep -q "event=stream_program stream=/fast.ts video=h264 video_pid=256" "$T/server.log" || fail "programme not detected"
grep "event=stream_program" "$T/server.log"
# The sample has a keyframe every 2 s: 3.3 s after connecting the GOP is well under way.
sleep 3.3
ttfb=$(curl -s -m 2 -o "$T/fast.ts" -w '%{time_starttransfer}' "http://127.0.0.1:$SERVER_PORT/fast.ts" || true)
echo "time to first byte (carrying the keyframe): ${ttfb}s"
"$BIN/ts_check" --head 3 "$T/fast.ts" | tee "$T/head.txt"
sed -n 1p "$T/head.txt" | grep -q "pid=0 pusi=1" || fail "first packet is not a PAT"
sed -n 2p "$T/head.txt" | grep -q "pid=4096 pusi=1" || fail "second packet is not the PMT"
sed -n 3p "$T/head.txt" | grep -q "pid=256 pusi=1 rai=1" || fail "third packet is not a video keyframe"
"$BIN/ts_check" "$T/fast.ts" || fail "fast start capture has continuity errors"
errors=$(ffmpeg -v error -i "$T/fast.ts" -frames:v 25 -f null - 2>&1 | wc -l)
(( errors == 0 )) || { ffmpeg -v error -i "$T/fast.ts" -frames:v 25 -f null - 2>&1 | head -5; fail "first frames decode with $errors errors"; }

curl -s -m 1 -o "$T/plain.ts" "http://127.0.0.1:$SERVER_PORT/plain.ts" || true
"$BIN/ts_check" --head 1 "$T/plain.ts" | grep -q "rai=1" && "$BIN/ts_check" --head 1 "$T/plain.ts" | grep -q "pid=0 " &&
    fail "fast_start false still started at a PAT (check the test: it should start mid-GOP)"
true
