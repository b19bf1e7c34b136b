#!/usr/bin/env bash
# SIGTERM with 50 viewers connected: the server stops accepting at once (a new connection is
# refused or gets no stream), ends all 50 responses (logged "server shutting down"), logs
# "stopping" then "stopped", joins every thread and exits 0 within a few seconds; no curl is left
# running. Also run under ThreadSanitizer (BIN=build/thread/bin): lib.sh fails on any report.
source "$(dirname "$0")/lib.sh"
VIEWERS=50
serve_sample_at_tv
url="http://127.0.0.1:$SERVER_PORT/tv.ts"

# Every viewer is receiving before the signal.
start_viewers $VIEWERS "$url"
pids=("${VIEWER_PIDS[@]}")
threads=$(ls /proc/$SERVER_PID/task | wc -l)
echo "$VIEWERS viewers connected; server threads: $threads"

start=$(date +%s%N)
kill -TERM $SERVER_PID
# It stops accepting: its listening socket goes away, and connections made from then on while it
# is still stopping are refused (curl: status 000, no bytes).
listening() { [[ -n $(ss -Hltn "sport = :$SERVER_PORT") ]]; }
while listening && kill -0 $SERVER_PID 2>/dev/null; do sleep 0.002; done
unlisten_ms=$(( ($(date +%s%N) - start) / 1000000 ))
listening && fail "still listening after the process exited"
attempts=0; answered=0
while kill -0 $SERVER_PID 2>/dev/null && (( attempts < 100 )); do
    got=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{size_download}' "$url" || true)
    attempts=$((attempts + 1))
    [[ $got == "000 0" ]] || answered=$((answered + 1))
done
rc=0; wait $SERVER_PID || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "listening socket closed ${unlisten_ms} ms after SIGTERM; server exited with status $rc after $ms ms;" \
     "$attempts connection attempts in between: $answered answered"
[[ $rc == 0 ]] || { tail -20 "$T/server.log"; fail "exit status $rc"; }
(( ms < 5000 )) || fail "shutdown took $ms ms"
(( answered == 0 )) || fail "$answered connections made after the listening socket closed were answered"
[[ $(http_status "$url") == 000 ]] || fail "the port still answers after exit"
[[ ! -e /proc/$SERVER_PID ]] || fail "server process (and its threads) still there"

# Every viewer's curl ends by itself, promptly.
none_running() { local p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
wait_until 3 none_running || fail "curl viewers still running after the server exited"
ended_ms=$(( ($(date +%s%N) - start) / 1000000 ))
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
echo "all $VIEWERS curl viewers ended ${ended_ms} ms after SIGTERM ($failed with a non-zero curl status)"
(( failed == 0 )) || fail "$failed curl viewers ended with an error instead of the end of the body"

stopping=$(grep -n "event=stopping" "$T/server.log" | cut -d: -f1 | head -1)
stopped=$(grep -n "event=stopped" "$T/server.log" | cut -d: -f1 | head -1)
[[ -n $stopping && -n $stopped ]] && (( stopping < stopped )) || fail "no \"stopping\" then \"stopped\" in the log"
ended=$(grep -c 'event=client_disconnected .*reason="server shutting down"' "$T/server.log" || true)
echo "client_disconnected reason=\"server shutting down\": $ended"
(( ended == VIEWERS )) || { grep "event=client_disconnected" "$T/server.log" | grep -v "server shutting down";
    fail "$ended of $VIEWERS responses ended with reason \"server shutting down\""; }
# Each response was logged as ended before the server said it had stopped.
last_end=$(grep -n "event=client_disconnected" "$T/server.log" | tail -1 | cut -d: -f1)
(( last_end < stopped )) || fail "a viewer was logged after \"stopped\""
