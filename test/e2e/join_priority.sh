#!/usr/bin/env bash
# Newcomers first at the CPU: the acceptor runs at real-time priority (SCHED_RR), and a
# connection's thread keeps it only until it has written its first bytes: a connection that has
# sent no request yet is real-time, streaming viewers are not. Without CAP_SYS_NICE it says why.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
write_config "$T/server.json" '' /live.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/server.json"
wait_until 10 stream_connected /live.ts || fail "stream never connected"
grep "event=join_priority" "$T/server.log" || fail "no join_priority line"
if grep -q 'event=join_priority.*acceptor=normal' "$T/server.log"; then
    capsh --has-p=cap_sys_nice 2>/dev/null && fail "has CAP_SYS_NICE, yet the acceptor stayed normal"
    echo "not permitted here: real-time priority needs CAP_SYS_NICE"; exit 77
fi

# Threads of the server at SCHED_RR (policy, field 41 of /proc/PID/task/TID/stat, is 2).
realtime_threads() {
    local stat n=0
    for stat in /proc/"$SERVER_PID"/task/*/stat; do
        [[ $(sed 's/.*) //' "$stat" 2>/dev/null | awk '{print $39}') == 2 ]] && n=$((n + 1))
    done
    echo "$n"
}
realtime_threads_are() { [[ $(realtime_threads) == "$1" ]]; }
log "idle: only the acceptor"
wait_until 5 realtime_threads_are 1 || fail "$(realtime_threads) real-time threads while idle, want 1"

log "three viewers streaming: their threads are back to normal"
start_viewers 3 "http://127.0.0.1:$SERVER_PORT/live.ts"
wait_until 5 realtime_threads_are 1 || fail "$(realtime_threads) real-time threads with 3 viewers, want 1 (the acceptor)"

log "a connection that has not sent its request is still starting: real-time"
exec 3<>/dev/tcp/127.0.0.1/"$SERVER_PORT"
wait_until 5 realtime_threads_are 2 || fail "$(realtime_threads) real-time threads with a connection starting, want 2"
printf 'GET /live.ts HTTP/1.1\r\nHost: x\r\n\r\n' >&3
head -c 1000 <&3 | grep -q "200 OK" || fail "the fourth viewer got no 200"
wait_until 5 realtime_threads_are 1 || fail "$(realtime_threads) real-time threads once it streams, want 1"
exec 3<&-
true
