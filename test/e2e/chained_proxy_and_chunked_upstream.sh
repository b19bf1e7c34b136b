#!/usr/bin/env bash
# A server whose upstream is another bin/server (a raw body until the connection closes), and one
# whose upstream answers with chunked transfer encoding in awkward chunk sizes: both relay clean
# packets with no continuity gap (chunk-size lines leaking into the stream would show as CC errors).
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
write_config "$T/first.json" "" /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/first.json"
first_port=$SERVER_PORT
mv "$T/server.log" "$T/first.log"
wait_until 10 curl -sf -I "http://127.0.0.1:$first_port/tv.ts" || fail "first hop never connected"
headers=$(curl -s -m 2 -D - -o /dev/null "http://127.0.0.1:$first_port/tv.ts" || true)
grep -qi "^Transfer-Encoding" <<<"$headers" && fail "a viewer's body should be the raw stream, not chunked"
grep -qi "^Connection: close" <<<"$headers" || fail "a raw body must say Connection: close"

python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake upstream did not start"
fake="http://127.0.0.1:$(listening_port "$T/fake.log")"
chunked="$fake/chunked?from=http://127.0.0.1:$SOURCE_PORT/stream.ts"
curl -s -m 2 -D "$T/chunked.head" -o /dev/null "$chunked" || true
grep -qi "^Transfer-Encoding: chunked" "$T/chunked.head" || fail "the fake upstream does not answer chunked"

write_config "$T/second.json" "" /relay.ts "http://127.0.0.1:$first_port/tv.ts" /chunked.ts "$chunked"
start_server "$T/second.json"
wait_until 10 stream_connected /relay.ts || { cat "$T/server.log"; fail "second hop never connected"; }
wait_until 10 stream_connected /chunked.ts || { cat "$T/server.log"; fail "chunked upstream never connected"; }

capture "http://127.0.0.1:$SERVER_PORT/relay.ts" 4 "$T/relay.ts" & relay=$!
capture "http://127.0.0.1:$SERVER_PORT/chunked.ts" 4 "$T/chunked.ts"
wait $relay
for cap in relay chunked; do
    "$BIN/ts_check" "$T/$cap.ts" || fail "$cap capture has CC errors or is not aligned"
    (( $(ts_figure "$T/$cap.ts" bytes) > 500000 )) || fail "too little data in the $cap capture"
done
