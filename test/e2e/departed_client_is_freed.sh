#!/usr/bin/env bash
# A viewer that closes its socket is gone from the server (logged with its address) within 2 s.
source "$(dirname "$0")/lib.sh"
serve_sample_at_tv

curl -s -o /dev/null "http://127.0.0.1:$SERVER_PORT/tv.ts" &
viewer=$!
wait_until 5 grep -q "event=client_connected" "$T/server.log" || fail "viewer never connected"
port=$(sed -n 's/.*event=client_connected .*client=127.0.0.1:\([0-9]*\).*/\1/p' "$T/server.log" | head -1)
sleep 1
kill -KILL $viewer
wait $viewer 2>/dev/null || true
wait_until 2 grep -q "event=client_disconnected .*client=127.0.0.1:$port .*reason=\"client closed connection\"" "$T/server.log" ||
    { cat "$T/server.log"; fail "disconnect not noticed within 2 s"; }
grep "event=client_disconnected" "$T/server.log"
# Its bytes were counted.
grep -q "event=client_disconnected .* bytes=[1-9]" "$T/server.log" || fail "bytes sent not logged"
