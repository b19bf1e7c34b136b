#!/usr/bin/env bash
# An HTTP upstream that answers 200 and then sends only random bytes is not a stream: the framer
# never locks on, so the stream never goes live (viewers get 503, no junk), and after readtimeout
# the connection fails with a reason that says so. With a second remote, the stream fails over to
# it within readtimeout + 1 s and a viewer gets a clean, decodable stream. Prints the failover time.
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake_http did not start"
random="http://127.0.0.1:$(listening_port "$T/fake.log")/random"
readtimeout=3
reason_re="reason=\"no TS packets for $readtimeout s \([1-9][0-9]* bytes without sync\)\""

# log_ms PATTERN: the time of the first server log line matching PATTERN, in ms since the epoch.
log_ms() { date -d "$(grep -m1 -- "$1" "$T/server.log" | cut -d' ' -f1)" +%s%3N; }
# metric NAME STREAM: the value of one Prometheus sample.
metric() { grep "^$1{stream=\"$2\"}" "$T/metrics.txt" | awk '{print $2}'; }
# never_live URL SECONDS: every GET in SECONDS is a 503 (a 200 would be junk or nothing).
never_live() {
    local deadline=$(( $(date +%s%N) + $2 * 1000000000 )) status
    while (( $(date +%s%N) < deadline )); do
        status=$(http_status "$1")
        [[ $status == 503 ]] || { echo "GET $1 answered $status"; return 1; }
        sleep 0.2
    done
}

log "the random upstream as the only remote: never live, fails after readtimeout"
cat >"$T/alone.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": $readtimeout,
  "resources": [ { "type": "stream", "serve": "/random.ts", "remote": "$random" },
                 { "type": "api", "api": "prometheus", "serve": "/metrics" } ] }
JSON
start_server "$T/alone.json"
wait_until 5 grep -q "event=upstream_opened stream=/random.ts" "$T/server.log" || { cat "$T/server.log"; fail "no connect"; }
never_live "http://127.0.0.1:$SERVER_PORT/random.ts" "$readtimeout" || { cat "$T/server.log"; fail "the random upstream went live"; }
wait_until 3 grep -qE "event=upstream_disconnected stream=/random.ts .*$reason_re" "$T/server.log" ||
    { cat "$T/server.log"; fail "the random upstream was not failed for its lack of packets"; }
grep "stream=/random.ts" "$T/server.log"
held=$(( $(log_ms "event=upstream_disconnected stream=/random.ts") - $(log_ms "event=upstream_opened stream=/random.ts") ))
echo "random-only upstream failed after $held ms"
(( held >= readtimeout * 1000 - 100 && held <= readtimeout * 1000 + 1000 )) || fail "failed after $held ms, not readtimeout"
curl -s -m 3 -o "$T/metrics.txt" "http://127.0.0.1:$SERVER_PORT/metrics" || fail "no metrics"
grep -E "^restreamer_(packets_received|input_skipped_bytes|input_sync_losses)_total|^restreamer_source_connected" "$T/metrics.txt"
[[ $(metric restreamer_packets_received_total /random.ts) == 0 ]] || fail "packets framed from random bytes"
skipped=$(metric restreamer_input_skipped_bytes_total /random.ts)
(( ${skipped%.*} > 100000 )) || fail "only '$skipped' bytes counted as skipped"
[[ $(metric restreamer_input_sync_losses_total /random.ts) == 0 ]] || fail "a sync lost that was never had"
[[ $(metric restreamer_source_connected /random.ts) == 0 ]] || fail "the random upstream counts as connected"
grep -q "event=client_connected" "$T/server.log" && fail "a viewer was let in"
grep -q "event=upstream_connected" "$T/server.log" && fail "the random upstream was logged as connected"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true
mv "$T/server.log" "$T/alone.log"

log "remotes [random, real]: failover to the real one within readtimeout + 1 s"
# The real remote starts only once the random one is connected, so whichever order the server
# chose, the random remote is the one it is on when the real one appears (a refused real remote
# is retried after reconnect, 1 s, well within readtimeout).
real_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
real="http://127.0.0.1:$real_port/stream.ts"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": $readtimeout,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "remotes": [ "$random", "$real" ] } ] }
JSON
start_server "$T/server.json"
wait_until 5 grep -qF "event=upstream_opened stream=/tv.ts remote=$random" "$T/server.log" ||
    { cat "$T/server.log"; fail "the random remote was not connected"; }
start_source real --listen "127.0.0.1:$real_port" "$SAMPLE"
[[ $(http_status "http://127.0.0.1:$SERVER_PORT/tv.ts") == 503 ]] || fail "live while on the random remote"
wait_until $(( readtimeout + 3 )) grep -qF "event=upstream_connected stream=/tv.ts remote=$real" "$T/server.log" ||
    { cat "$T/server.log"; fail "no failover to the real remote"; }
grep "event=upstream_" "$T/server.log"
grep -F "event=upstream_disconnected stream=/tv.ts remote=$random" "$T/server.log" | grep -qE "$reason_re" ||
    fail "the random remote was not failed for its lack of packets"
failover=$(( $(log_ms "event=upstream_connected stream=/tv.ts remote=$real") - $(log_ms "event=upstream_opened stream=/tv.ts remote=$random") ))
echo "failover: $failover ms from connecting to the random remote to connecting to the real one (readtimeout $readtimeout s)"
(( failover <= readtimeout * 1000 + 1000 )) || fail "failover took $failover ms"

wait_until 5 stream_connected /tv.ts || fail "the real remote never made the stream live"
capture "http://127.0.0.1:$SERVER_PORT/tv.ts" 6 "$T/cap.ts"
"$BIN/ts_check" "$T/cap.ts" || fail "the stream after the failover has CC errors or is not aligned"
bytes=$(ts_figure "$T/cap.ts" bytes)
(( bytes > 1000000 )) || fail "viewer got only $bytes bytes in 6 s"
frames=$(ffprobe -v quiet -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$T/cap.ts" | grep -o '^[0-9]*' | sort -n | tail -1)
echo "after the failover: $bytes bytes in 6 s, $frames video frames decoded"
(( frames >= 100 )) || fail "only $frames frames decoded from 6 s"
