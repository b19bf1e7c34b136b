#!/usr/bin/env bash
# 20 concurrent viewers (more than cpp-httplib's default pool of 8) all receive data: every capture is a
# whole number of packets with no continuity-counter gap.
source "$(dirname "$0")/lib.sh"
serve_sample_at_tv

pids=()
for i in $(seq 20); do
    curl -s -m 5 -o "$T/cap$i.ts" "http://127.0.0.1:$SERVER_PORT/tv.ts" &
    pids+=($!)
done
wait "${pids[@]}" || true
for i in $(seq 20); do
    bytes=$(stat -c %s "$T/cap$i.ts" 2>/dev/null || echo 0)
    figures=$("$BIN/ts_check" "$T/cap$i.ts" || true)
    echo "client $i: $figures"
    (( bytes > 500000 )) || fail "client $i got only $bytes bytes"
    (( bytes % 188 == 0 )) || fail "client $i got $bytes bytes, not a multiple of 188"
    [[ $(ts_figure "$T/cap$i.ts" cc_errors) == 0 ]] || fail "client $i has continuity errors"
done
