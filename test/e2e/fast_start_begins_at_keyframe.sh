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
expect_starts_with_picture "$T/fast.ts"
"$BIN/ts_check" "$T/fast.ts" || fail "fast start capture has continuity errors"
expect_decodes "$T/fast.ts" 25

curl -s -m 1 -o "$T/plain.ts" "http://127.0.0.1:$SERVER_PORT/plain.ts" || true
"$BIN/ts_check" --head 1 "$T/plain.ts" | grep -q "rai=1" && "$BIN/ts_check" --head 1 "$T/plain.ts" | grep -q "pid=0 " &&
    fail "fast_start false still started at a PAT (check the test: it should start mid-GOP)"
true
