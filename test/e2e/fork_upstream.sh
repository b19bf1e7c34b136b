#!/usr/bin/env bash
# fork:// upstreams: a command's stdout is the stream and its stderr lines appear in the server log
# with the stream's name; when the server stops, the command and its own children are gone. A missing
# command or one that exits at once costs one clear error line per attempt and almost no CPU.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
src_url="http://127.0.0.1:$SOURCE_PORT/stream.ts"

log "a missing command and one that exits at once: one line per attempt, no busy loop"
write_config "$T/bad.json" "" /missing.ts "fork:///nonexistent/restreamer-cmd" /false.ts "fork:///bin/false"
start_server "$T/bad.json"
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
wait_until 5 grep -q "event=upstream_failed stream=/false.ts" "$T/server.log" || { cat "$T/server.log"; fail "/bin/false not reported"; }
before=$(cpu_ticks $SERVER_PID)
sleep 5  # the measurement window itself: CPU spent by the server while its remotes keep failing
after=$(cpu_ticks $SERVER_PID)
ticks=$((after - before)); hz=$(getconf CLK_TCK)
echo "server CPU over 5 s of failing commands: $ticks ticks of 1/$hz s"
(( ticks * 10 < hz * 2 )) || fail "server used $ticks/$hz s of CPU in 5 s while its commands failed"
kill -TERM $SERVER_PID; wait $SERVER_PID || fail "server exit status $?"
mv "$T/server.log" "$T/server-bad.log"
grep -E "stream=/(missing|false).ts" "$T/server-bad.log"
missing=$(grep -c 'event=upstream_failed stream=/missing.ts remote=fork:///nonexistent/restreamer-cmd reason="cannot execute /nonexistent/restreamer-cmd: No such file or directory"' "$T/server-bad.log")
false_lines=$(grep -c 'event=upstream_failed stream=/false.ts remote=fork:///bin/false reason="command exited with status 1"' "$T/server-bad.log")
(( missing >= 2 && missing <= 8 )) || fail "$missing attempts at the missing command in about 6 s"
(( false_lines >= 2 && false_lines <= 8 )) || fail "$false_lines attempts at /bin/false in about 6 s"
others=$(grep -E "stream=/(missing|false).ts" "$T/server-bad.log" | grep -vc "event=upstream_failed" || true)
(( others == 0 )) || fail "failing commands logged $others lines besides upstream_failed"

log "commands that stream: curl itself, and a shell script whose child is curl"
cat >"$T/feeder.sh" <<'SH'
#!/bin/sh
echo "feeder starting for $1" >&2
curl -sS "$1" &
wait
SH
chmod +x "$T/feeder.sh"
write_config "$T/server.json" "" /curl.ts "fork:///usr/bin/curl?-sS+$src_url" /script.ts "fork://$T/feeder.sh?$src_url"
start_server "$T/server.json"
expect_streams_deliver "curl script" 600000
grep -q "event=upstream_stderr stream=/script.ts remote=fork://$T/feeder.sh?$src_url line=\"feeder starting for $src_url\"" "$T/server.log" ||
    { cat "$T/server.log"; fail "the command's stderr line is not in the log"; }
pgrep -f "$T/feeder.sh" >/dev/null || fail "the feeder script is not running"
(( $(pgrep -fc "curl -sS $src_url") == 2 )) || fail "expected two curl commands"

kill -TERM $SERVER_PID
wait $SERVER_PID || fail "server exit status $?"
left=$(pgrep -f "$T/feeder.sh|curl -sS $src_url" || true)
[[ -z $left ]] || { ps -o pid,pgid,args -p $left; fail "processes left after the server stopped"; }
grep "event=upstream_command_ended" "$T/server.log"
(( $(grep -c "event=upstream_command_ended .*status=\"killed by signal Terminated\"" "$T/server.log") == 2 )) ||
    fail "both commands should have ended by SIGTERM"
