#!/usr/bin/env bash
# restreamer's notifications, received by a fake HTTP target: limit_hit once when the viewers reach
# fullconnections, limit_miss once when they drop below it again, a heartbeat every heartbeatinterval
# (1 s here), each with the configured Authorization header (Basic and Bearer). A target that refuses
# connections gets one log line per failed notification; a target that never answers does not delay
# viewers or the API, and its timeouts are logged one per notification too.
source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call, and checks call it often.
PY=$(command -v /usr/bin/python3 || command -v python3)
python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake http server did not start"
fake="http://127.0.0.1:$(listening_port "$T/fake.log")"
start_source src "$SAMPLE"
dead="http://127.0.0.1:1/dead"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1,
  "fullconnections": 2, "heartbeatinterval": 1,
  "userlist": { "notify": { "password": "n0t1fy" }, "hook": { "password": "hook-token" } },
  "notifications": [
    { "event": "limit_hit", "type": "url", "url": "$fake/record/hit",
      "authentication": { "type": "basic", "user": "notify" } },
    { "event": "limit_miss", "type": "url", "url": "$fake/record/miss?from=restreamer",
      "authentication": { "type": "basic", "user": "notify" } },
    { "event": "heartbeat", "type": "url", "url": "$fake/record/beat",
      "authentication": { "type": "bearer", "user": "hook" } },
    { "event": "heartbeat", "type": "url", "url": "$dead" }
  ],
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "api", "api": "health", "serve": "/health" }
  ] }
JSON
start_server "$T/server.json"
started=$(date +%s.%N)
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"

records() { grep -c "event=record .* path=/record/$1" "$T/fake.log" || true; }
records_at_least() { (( $(records "$1") >= $2 )); }
viewer() {  # NAME: a curl viewer in the background; time to first byte in $T/NAME.ttfb
    curl -s -o "$T/$1.ts" -w '%{time_starttransfer}\n' "$url/tv.ts" >"$T/$1.ttfb" &
    PIDS+=($!)
    eval "pid_$1=$!"
}
viewers_are() { [[ $(curl -s -m 2 "$url/health" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["viewer"])') == "$1" ]]; }
stop_viewer() { kill "$1"; wait "$1" 2>/dev/null || true; }

log "limit_hit when the viewers reach fullconnections (2), not before"
viewer v1
wait_until 5 viewers_are 1 || fail "the first viewer did not connect"
sleep 1.2
[[ $(records hit) == 0 ]] || fail "limit_hit with 1 viewer of fullconnections 2"
viewer v2
wait_until 3 records_at_least hit 1 || { cat "$T/fake.log"; fail "no limit_hit within 3 s of reaching fullconnections"; }
grep "event=record .* path=/record/hit" "$T/fake.log"
expected_basic="Basic $(printf 'notify:n0t1fy' | base64 -w0)"
grep -q "path=/record/hit authorization=$expected_basic\$" "$T/fake.log" || fail "limit_hit without 'Authorization: $expected_basic'"
viewer v3
wait_until 5 viewers_are 3 || fail "the third viewer did not connect"
stop_viewer "$pid_v3"
wait_until 5 viewers_are 2 || fail "the third viewer was not released"
sleep 1
[[ $(records hit) == 1 && $(records miss) == 0 ]] || fail "changes above fullconnections sent notifications: hit $(records hit), miss $(records miss)"

log "limit_miss when they drop below it"
stop_viewer "$pid_v2"
wait_until 3 records_at_least miss 1 || { cat "$T/fake.log"; fail "no limit_miss within 3 s of dropping below fullconnections"; }
grep "event=record .* path=/record/miss" "$T/fake.log"
grep -q "path=/record/miss?from=restreamer authorization=$expected_basic\$" "$T/fake.log" ||
    fail "limit_miss not sent to the configured URL (with its query) with 'Authorization: $expected_basic'"
stop_viewer "$pid_v1"
wait_until 5 viewers_are 0 || fail "viewers not released"
sleep 0.5
[[ $(records hit) == 1 && $(records miss) == 1 ]] || fail "expected one limit_hit and one limit_miss, got $(records hit) and $(records miss)"
hit_line=$(grep -n "path=/record/hit" "$T/fake.log" | cut -d: -f1)
miss_line=$(grep -n "path=/record/miss" "$T/fake.log" | cut -d: -f1)
(( hit_line < miss_line )) || fail "limit_miss arrived before limit_hit"

log "heartbeats every second with the Bearer token; the dead target fails once per heartbeat"
wait_until 10 records_at_least beat 5 || fail "fewer than 5 heartbeats in 10 s"
grep "event=record .* path=/record/beat" "$T/fake.log" | head -3
! grep "path=/record/beat" "$T/fake.log" | grep -vq "authorization=Bearer hook-token\$" || fail "a heartbeat lacks 'Authorization: Bearer hook-token'"
"$PY" - "$started" "$T/fake.log" <<'PY' || fail "heartbeats are not 1 s apart"
import re, sys
log = open(sys.argv[2]).read()
times = [float(m.group(1)) for m in re.finditer(r"event=record time=([0-9.]+) path=/record/beat", log)]
gaps = [b - a for a, b in zip(times, times[1:])]
print("first heartbeat %.2f s after start, gaps: %s" % (times[0] - float(sys.argv[1]), " ".join("%.3f" % g for g in gaps)))
assert 0.5 <= times[0] - float(sys.argv[1]) <= 1.8, "first heartbeat not about 1 s after start"
assert all(0.8 <= g <= 1.5 for g in gaps), "a gap is not about 1 s"
PY
beats=$(records beat)
failures=$(grep -c "event=notification_failed notification=heartbeat url=$dead" "$T/server.log" || true)
echo "heartbeats received: $beats, failures logged for $dead: $failures"
(( failures == beats || failures == beats - 1 )) || fail "$beats heartbeats but $failures failure lines for the dead target"
grep -m1 "event=notification_failed" "$T/server.log"
grep -q "event=notification_failed notification=heartbeat url=$dead reason=\"connection failed\"" "$T/server.log" ||
    fail "the failure line does not give the reason"
(( $(grep -c "event=notification_failed" "$T/server.log") == failures )) || fail "failures logged for working targets"

log "a target that never answers does not hold up viewers or the API"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
mv "$T/server.log" "$T/first-server.log"  # still *.log: the cleanup looks for sanitizer reports there
hang="$fake/record/hang?hang=30"
cat >"$T/hang.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1,
  "fullconnections": 1, "heartbeatinterval": 1,
  "notifications": [
    { "event": "limit_hit", "type": "url", "url": "$hang" },
    { "event": "limit_miss", "type": "url", "url": "$hang" },
    { "event": "heartbeat", "type": "url", "url": "$hang" }
  ],
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "api", "api": "health", "serve": "/health" }
  ] }
JSON
start_server "$T/hang.json"
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
wait_until 5 records_at_least hang 1 || fail "the hanging target never got a heartbeat"
# The notifier is now stuck in a request; every viewer crosses fullconnections 1 both ways.
for i in 1 2 3 4 5; do
    t=$(curl -s -m 0.6 -o "$T/quick$i.ts" -w '%{time_starttransfer}' "$url/tv.ts" || true)
    bytes=$(stat -c %s "$T/quick$i.ts")
    echo "viewer $i: first byte after ${t} s, $bytes bytes in 0.6 s"
    "$PY" -c 'import sys; sys.exit(not 0 < float(sys.argv[1]) < 0.5)' "$t" || fail "viewer $i waited ${t} s for its first byte"
    (( bytes > 50000 )) || fail "viewer $i got only $bytes bytes in 0.6 s"
    t=$(curl -s -m 2 -o /dev/null -w '%{time_total}' "$url/health")
    "$PY" -c 'import sys; sys.exit(not 0 < float(sys.argv[1]) < 0.5)' "$t" || fail "health took ${t} s"
done
# Each request to the target ends at the timeout (2 s) with one line.
wait_until 8 log_count_at_least 2 "event=notification_failed" || fail "timeouts of the hanging target are not logged"
grep "event=notification_failed" "$T/server.log" | head -2
arrived=$(records hang)
failed=$(grep -c "event=notification_failed .*url=\"$fake/record/hang" "$T/server.log" || true)
echo "requests to the hanging target: $arrived, failures logged: $failed"
(( failed == arrived || failed == arrived - 1 )) || fail "$arrived requests to the hanging target but $failed failure lines"
grep -qF "url=\"$hang\" reason=\"read failed or timed out\" timeout_ms=2000" "$T/server.log" ||
    fail "a timeout line without its reason and timeout_ms"
echo "PASS"
