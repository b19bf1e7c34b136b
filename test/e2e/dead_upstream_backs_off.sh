#!/usr/bin/env bash
# A remote that keeps failing is retried with exponential backoff (1, 2, 4 s ...), one clear line per
# attempt, without burning CPU; with "reconnect": 0 a failed stream stays offline after one round.
source "$(dirname "$0")/lib.sh"
write_config "$T/server.json" "" /dead.ts "http://127.0.0.1:1/nothing.ts"
start_server "$T/server.json"
ticks() { awk '{print $14 + $15}' /proc/$SERVER_PID/stat; }
before=$(ticks)
sleep 8
attempts=$(grep -c 'event=upstream_failed stream=/dead.ts' "$T/server.log")
cpu_ms=$(( ($(ticks) - before) * 1000 / $(getconf CLK_TCK) ))
grep 'event=upstream_failed' "$T/server.log" | head -2
echo "attempts in 8 s: $attempts; server CPU: ${cpu_ms} ms"
# Without backoff there would be 8 or 9 attempts; with it: t = 0, 1, 3, 7.
(( attempts >= 3 && attempts <= 5 )) || fail "expected 3-5 attempts with backoff, got $attempts"
(( cpu_ms < 300 )) || fail "a dead upstream cost ${cpu_ms} ms of CPU in 8 s"
grep -q 'reason="connect to 127.0.0.1:1: Connection refused"' "$T/server.log" || fail "reason not clear"

kill -TERM $SERVER_PID; wait $SERVER_PID || true
write_config "$T/offline.json" "" /dead.ts "http://127.0.0.1:1/nothing.ts"
sed -i 's/"reconnect": 1/"reconnect": 0/' "$T/offline.json"
start_server "$T/offline.json"
wait_until 5 grep -q "event=stream_offline stream=/dead.ts" "$T/server.log" || fail "no stream_offline with reconnect 0"
sleep 2
[[ $(grep -c 'event=upstream_failed' "$T/server.log") == 1 ]] || fail "reconnect 0 retried"
