#!/usr/bin/env bash
# bin/server as a Type=notify service without systemd as PID 1: the test binds its own NOTIFY_SOCKET
# and checks READY=1 after listening, STATUS= with viewers and streams, RELOADING=1 + MONOTONIC_USEC
# then READY=1 on SIGHUP, STOPPING=1 on SIGTERM, WATCHDOG=1 about every half WATCHDOG_USEC while the
# acceptor answers and none once the test hook has wedged it; and, with JOURNAL_STREAM naming stderr,
# log lines with a syslog priority and no timestamp of their own.
source "$(dirname "$0")/lib.sh"

# Each datagram is one line of $T/notify.log: wall-clock ns, then the message, newlines as " | ".
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        message = sock.recv(4096).decode()
        out.write("%d %s\n" % (time.time_ns(), message.strip().replace("\n", " | ")))
PY
PIDS+=($!)
wait_until 5 test -S "$T/notify.sock" || fail "notify listener did not start"
touch "$T/notify.log"

start_source src "$SAMPLE"
write_config "$T/server.json" "" /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
touch "$T/server.log"
wedge_after=8
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 RESTREAMER_TEST_WEDGE_ACCEPTOR_AFTER=$wedge_after \
    JOURNAL_STREAM=$(stat -c %d:%i "$T/server.log") start_server "$T/server.json"

log "READY=1 once listening, with the status"
wait_until 5 grep -q "READY=1 | STATUS=0 viewers, 1 stream$" "$T/notify.log" || { cat "$T/notify.log"; fail "no READY=1 with STATUS="; }
grep -q "^<6>info event=listening " "$T/server.log" || { head -5 "$T/server.log"; fail "journal log lines should start <6>info, without a timestamp"; }
grep -qE "^[0-9]{4}-" "$T/server.log" && fail "a timestamp on a journal line"

log "STATUS= follows the viewers"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
curl -s -m 30 -o /dev/null "http://127.0.0.1:$SERVER_PORT/tv.ts" & viewer=$!
wait_until 5 grep -q "STATUS=1 viewer, 1 stream$" "$T/notify.log" || { cat "$T/notify.log"; fail "no STATUS= with the viewer"; }
kill $viewer; wait $viewer 2>/dev/null || true

log "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1"
kill -HUP $SERVER_PID
reloaded() { grep -A100 -E "RELOADING=1 \| MONOTONIC_USEC=[0-9]+$" "$T/notify.log" | grep -q "READY=1"; }
wait_until 5 reloaded || { cat "$T/notify.log"; fail "no RELOADING=1 + MONOTONIC_USEC followed by READY=1"; }
grep -q "event=reloaded" "$T/server.log" || fail "the server did not reload"

log "WATCHDOG=1 about every 500 ms while the acceptor answers"
wait_until 10 log_count_at_least 6 "WATCHDOG=1$" "$T/notify.log" || { cat "$T/notify.log"; fail "too few WATCHDOG=1"; }
median_ms=$(grep "WATCHDOG=1$" "$T/notify.log" | awk 'NR > 1 { print int(($1 - last) / 1e6) } { last = $1 }' | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "median interval between pings: $median_ms ms"
(( median_ms >= 400 && median_ms <= 800 )) || fail "pings $median_ms ms apart, expected about 500"

log "the wedged acceptor: no more pings"
wait_until $((wedge_after + 5)) grep -q "event=acceptor_wedged" "$T/server.log" || fail "the test hook did not wedge the acceptor"
wedged_ns=$(date +%s%N)
wait_until 5 grep -q "event=watchdog_probe_failed" "$T/server.log" || fail "no watchdog_probe_failed"
sleep 2.5
late=$(awk -v t=$((wedged_ns + 600000000)) '$1 > t && /WATCHDOG=1$/' "$T/notify.log" | wc -l)
(( late == 0 )) || { cat "$T/notify.log"; fail "$late WATCHDOG=1 after the acceptor was wedged"; }
grep "event=watchdog_probe_failed" "$T/server.log"

log "SIGTERM: STOPPING=1, exit 0"
kill -TERM $SERVER_PID
rc=0; wait $SERVER_PID || rc=$?
(( rc == 0 )) || { tail "$T/server.log"; fail "exit status $rc"; }
grep -q "STOPPING=1$" "$T/notify.log" || { cat "$T/notify.log"; fail "no STOPPING=1"; }
