#!/usr/bin/env bash
# An upstream that stays connected but sends only null packets, or only garbage, counts as failed
# after readtimeout seconds (the stall detector), with a reason that tells the two apart, and the
# stream moves on.
source "$(dirname "$0")/lib.sh"
# 2000 null packets (PID 0x1FFF), served in a paced loop: connected, but no programme.
{ printf '\x47\x1f\xff\x10'; head -c 184 /dev/zero | tr '\0' '\377'; } >"$T/null1.ts"
for _ in $(seq 2000); do cat "$T/null1.ts"; done >"$T/null.ts"
start_source nulls --bitrate 500000 "$T/null.ts"
mkfifo "$T/garbage.ts"
write_config "$T/server.json" "" /nulls.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts" /garbage.ts "file://$T/garbage.ts"
sed -i 's/"readtimeout": 3/"readtimeout": 2/' "$T/server.json"
start_server "$T/server.json"
# Random bytes, a little at a time: the reader gets bytes, the framer finds no packets.
( for _ in $(seq 100); do head -c 2000 /dev/urandom; sleep 0.1; done ) >"$T/garbage.ts" &
PIDS+=($!)

wait_until 8 grep -q 'event=upstream_disconnected stream=/nulls.ts .*reason="stalled: no packets but null ones for 2 s"' "$T/server.log" ||
    { cat "$T/server.log"; fail "null-only upstream not detected as stalled"; }
wait_until 8 grep -qE 'event=upstream_disconnected stream=/garbage.ts .*reason="no TS packets for 2 s \([1-9][0-9]* bytes without sync\)"' "$T/server.log" ||
    { cat "$T/server.log"; fail "garbage-only upstream not detected as stalled"; }
grep -q 'event=upstream_garbage stream=/garbage.ts' "$T/server.log" || fail "garbage not logged"
grep "stream=/garbage.ts" "$T/server.log" | head -5
