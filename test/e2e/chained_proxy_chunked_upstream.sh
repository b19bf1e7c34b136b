#!/usr/bin/env bash
# A server whose upstream is another bin/server: the upstream body arrives with chunked transfer
# encoding, and the second hop must decode it back into clean packets with no continuity gap.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
write_config "$T/first.json" "" /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/first.json"
first_port=$SERVER_PORT
mv "$T/server.log" "$T/first.log"
wait_until 10 curl -sf -I "http://127.0.0.1:$first_port/tv.ts" || fail "first hop never connected"

write_config "$T/second.json" "" /relay.ts "http://127.0.0.1:$first_port/tv.ts"
start_server "$T/second.json"
wait_until 10 stream_connected /relay.ts || { cat "$T/server.log"; fail "second hop never connected"; }
headers=$(curl -s -m 2 -D - -o /dev/null "http://127.0.0.1:$first_port/tv.ts" || true)
grep -qi "^Transfer-Encoding: chunked" <<<"$headers" ||
    fail "the first hop does not answer chunked; this test would not test the decoder"

capture "http://127.0.0.1:$SERVER_PORT/relay.ts" 4 "$T/cap.ts"
# Chunk-size lines leaking into the stream would cost packets and show up as CC errors here.
"$BIN/ts_check" "$T/cap.ts" || fail "relayed capture has CC errors or is not aligned"
(( $(ts_figure "$T/cap.ts" bytes) > 500000 )) || fail "too little data through two hops"
