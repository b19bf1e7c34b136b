#!/usr/bin/env bash
# Graceful drain without a balancer: SIGUSR1 makes health say "draining" and refuses new viewers
# (GET and HEAD: 503 server draining) while the viewer already watching keeps receiving; at
# draindeadline it is closed with reason "server draining". A second SIGUSR1 and a drain API POST
# are refused (drain_refused, 409), a bad deadline is 400.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "draindeadline": 2,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
                 { "type": "api", "api": "health", "serve": "/health" },
                 { "type": "api", "api": "drain", "serve": "/drain" } ] }
JSON
start_server "$T/server.json"
base=http://127.0.0.1:$SERVER_PORT
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
[[ $(curl -s -m 3 -X POST "$base/drain?deadline=soon") == '400 bad deadline "soon": expected whole seconds, 0 to 86400' ]] ||
    fail "a bad deadline was not a one-line 400"
start_viewers 1 "$base/tv.ts"

log "SIGUSR1: draining, new viewers refused, the current one keeps receiving"
kill -USR1 "$SERVER_PID"
wait_until 5 grep -q "event=drain_started deadline_s=2" "$T/server.log" || fail "no drain_started line"
[[ $(curl -s -m 3 "$base/health") == '{"status":"draining",'* ]] || fail "health does not say draining"
[[ $(curl -s -m 3 "$base/tv.ts") == "server draining" ]] || fail "a new viewer was not refused"
[[ $(curl -s -m 3 -o /dev/null -w '%{http_code}' -I "$base/tv.ts") == 503 ]] || fail "HEAD was not refused"
[[ $(curl -s -m 3 -o /dev/null -w '%{http_code}' -X POST "$base/drain") == 409 ]] || fail "a second drain was not 409"
kill -USR1 "$SERVER_PID"
wait_until 5 grep -q "event=drain_refused" "$T/server.log" || fail "a second SIGUSR1 was not refused"
size=$(stat -c %s "$T/viewer1.ts")
grows() { (( $(stat -c %s "$T/viewer1.ts") > size )); }
wait_until 5 grows || fail "the current viewer stopped receiving"

log "at the deadline the viewer is closed"
wait_until 10 grep -q 'event=client_disconnected .*reason="server draining"' "$T/server.log" || fail "the viewer was not closed at the deadline"
grep -q "event=drain_deadline viewers_closed=1" "$T/server.log" || fail "no drain_deadline viewers_closed=1 line"
wait "${VIEWER_PIDS[@]}" || true
"$BIN/ts_check" "$T/viewer1.ts" || fail "the drained viewer's stream is not clean"
echo PASS
