#!/usr/bin/env bash
# SIGTERM with viewers connected: the server ends their responses, joins its threads and exits 0.
source "$(dirname "$0")/lib.sh"
serve_sample_at_tv
pids=()
for i in $(seq 10); do curl -s -m 30 -o /dev/null "http://127.0.0.1:$SERVER_PORT/tv.ts" & pids+=($!); done
wait_until 5 log_count_at_least 10 'event=client_connected' || fail "viewers did not connect"
start=$(date +%s%N)
kill -TERM $SERVER_PID
rc=0; wait $SERVER_PID || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "server exited with $rc after $ms ms"
[[ $rc == 0 ]] || { cat "$T/server.log"; fail "exit status $rc"; }
(( ms < 5000 )) || fail "shutdown took $ms ms"
grep -q "event=stopped" "$T/server.log" || fail "no stopped line"
for p in "${pids[@]}"; do wait $p 2>/dev/null || true; done
