#!/usr/bin/env bash
# The upstream is killed and restarted: the stream answers 503 while it is down and comes back
# without restarting the server.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
src_pid=$LAST_PID
port=$SOURCE_PORT
write_config "$T/server.json" "" /tv.ts "http://127.0.0.1:$port/stream.ts"
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
url="http://127.0.0.1:$SERVER_PORT/tv.ts"

curl -s -m 20 -o "$T/before.ts" "$url" & viewer=$!
wait_until 5 grep -q "event=client_connected" "$T/server.log" || fail "viewer did not connect"
kill -KILL $src_pid
wait_until 5 grep -q "event=upstream_disconnected" "$T/server.log" || fail "upstream loss not noticed"
wait $viewer 2>/dev/null || true
answers_503() { [[ $(http_status "$url") == 503 ]]; }  # a function: wait_until asks again each time
wait_until 3 answers_503 || fail "stream should answer 503 while the upstream is down"
# The viewer waited for the grace period (timeout 2 s), then was closed with the reason.
grep -q "event=client_disconnected .*reason=\"upstream lost for 2 s\"" "$T/server.log" || fail "viewer not closed after the grace period"

start_source src2 --listen 127.0.0.1:$port "$SAMPLE"
wait_until 10 stream_connected /tv.ts || { cat "$T/server.log"; fail "stream did not come back"; }
capture "$url" 3 "$T/after.ts"
bytes=$(ts_figure "$T/after.ts" bytes)
(( bytes > 100000 )) || fail "only $bytes bytes after the upstream came back"
[[ $(grep -c "event=upstream_connected" "$T/server.log") -ge 2 ]] || fail "no second upstream_connected"
grep "event=upstream" "$T/server.log"
