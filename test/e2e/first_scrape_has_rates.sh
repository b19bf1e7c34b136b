#!/usr/bin/env bash
# The statistics' rates come from a sampler that runs once a second, not from the interval between
# two API requests: the very first request after start, a few seconds in, already reports the input
# bitrate, and so does a request after a quiet spell (not the average since the previous request).
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1,
  "resources": [ {"type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts"},
                 {"type": "api", "serve": "/statistics", "api": "statistics"},
                 {"type": "api", "serve": "/metrics", "api": "prometheus"} ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
sleep 2.5   # two samples a second apart
bitrate=$(curl -s "http://127.0.0.1:$SERVER_PORT/metrics" | awk '$1 == "restreamer_input_bitrate{stream=\"/tv.ts\"}" {print $2}')
echo "first scrape: restreamer_input_bitrate $bitrate"
# The sample is about 2 Mbit/s.
python3 -c "import sys; sys.exit(not 1e6 < float('$bitrate') < 4e6)" || fail "the first scrape reports $bitrate bit/s"
bytes=$(curl -s "http://127.0.0.1:$SERVER_PORT/statistics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_per_second_received"])')
echo "first statistics: bytes_per_second_received $bytes"
(( bytes > 125000 && bytes < 500000 )) || fail "the first statistics request reports $bytes bytes/s"
