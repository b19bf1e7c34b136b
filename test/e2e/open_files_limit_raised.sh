#!/usr/bin/env bash
# A server started with a low soft limit on open files (systemd and most shells give 1024, which
# would refuse the thousandth viewer) raises it to the hard limit and logs both: here a soft limit
# of 48 and 60 viewers, every one of them served.
source "$(dirname "$0")/lib.sh"
VIEWERS=60
start_source src "$SAMPLE"
write_config "$T/server.json" "" /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
hard=$(ulimit -Hn)
[[ $hard == unlimited || $hard -gt 256 ]] || fail "hard limit $hard is too low for this test"
ulimit -Sn 48
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"

soft_now=$(awk '/^Max open files/ {print $4}' /proc/$SERVER_PID/limits)
echo "soft limit: 48 at start, $soft_now after; hard limit $hard"
[[ $soft_now == "$hard" ]] || fail "soft limit is $soft_now, not the hard limit $hard"
grep -q "event=open_files_limit soft=$hard was=48 hard=$hard" "$T/server.log" ||
    { grep open_files_limit "$T/server.log"; fail "no open_files_limit line with the old and new limit"; }

url="http://127.0.0.1:$SERVER_PORT/tv.ts"
start_viewers $VIEWERS "$url"
echo "$VIEWERS viewers connected and receiving with a soft limit of 48 at start"
for p in "${VIEWER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
