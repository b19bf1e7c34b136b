#!/usr/bin/env bash
# soak.sh - `make soak`: bin/server under SOAK_MINUTES (default 5) of mixed abuse, watched for leaks
# and for broken streams. See test/soak/README.md. Env: BIN, SAMPLE (as for make test), SOAK_MINUTES.
#
# Sources: S (never killed), A and B (killed by turns, each restarted on its port 1 s later).
# Streams: /steady.ts and /extra.ts on S, /fo.ts on A and B (failover), /flaky.ts on A alone.
# Long viewers: 3 of /steady.ts (no CC error, no disconnect), 1 of /fo.ts, 1 of /flaky.ts (a CC
# error only inside an upstream outage). Load: soak_clients.py load. Every 5 s the source that
# /fo.ts reads is killed; every 10 s a SIGHUP, every other one with /extra.ts added.
# Prints one line a minute; the last line is PASS or FAIL.
set -euo pipefail
: "${BIN:?BIN must point at the binaries}" "${SAMPLE:?SAMPLE must point at the sample stream}"
MINUTES=${SOAK_MINUTES:-5}
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || { echo "FAIL: SOAK_MINUTES must be a whole number of minutes >= 1" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "$BIN"); SAMPLE=$(realpath "$SAMPLE")
KILL_EVERY_MS=5000 RESTART_AFTER_MS=1000 RELOAD_EVERY_MS=10000
export TSAN_OPTIONS="suppressions=$HERE/../tsan.supp ${TSAN_OPTIONS:-}"
# A quarantine of 32 MiB instead of 256 keeps the ASan server's RSS near 130 MiB on a shared machine.
export ASAN_OPTIONS="detect_leaks=1 quarantine_size_mb=32 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-}"
T=$(mktemp -d /tmp/restreamer-soak.XXXXXX)
mkdir -p "$T/viewers"
declare -A SRC_PID SRC_PORT RESTART_DUE
VIEWER_PIDS=() LOAD_PID="" SERVER_PID=""

# Stops only what this script started (a recorded PID may since belong to another process).
cleanup() {
    local rc=$? pid
    ours() { [[ $(awk '{print $4}' "/proc/$1/stat" 2>/dev/null) == "$$" ]]; }
    for pid in $LOAD_PID "${VIEWER_PIDS[@]}" $SERVER_PID "${SRC_PID[@]}"; do
        ours "$pid" && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $LOAD_PID "${VIEWER_PIDS[@]}" $SERVER_PID "${SRC_PID[@]}"; do
        for _ in $(seq 50); do ours "$pid" || break; sleep 0.1; done
        ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
    done
    if (( rc == 0 )) && [[ -z ${SOAK_KEEP:-} ]]; then rm -rf "$T"; else echo "logs kept in $T" >&2; fi
    exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
wait_until() {  # wait_until SECONDS COMMAND...: polls every 100 ms
    local deadline=$(( $(now_ms) + $1 * 1000 )); shift
    until "$@" >/dev/null 2>&1; do (( $(now_ms) < deadline )) || return 1; sleep 0.1; done
}
listening_port() { sed -n 's/.*event=listening address=[^ ]*:\([0-9]*\).*/\1/p' "$1" | tail -1; }

# start_source NAME [PORT]: bin/source on PORT (ephemeral when absent); its log is appended to.
start_source() {
    local name=$1 port=${2:-0} before
    before=$(grep -c "event=listening" "$T/$name.log" 2>/dev/null || true)
    "$BIN/source" --listen "127.0.0.1:$port" "$SAMPLE" 2>>"$T/$name.log" &
    SRC_PID[$name]=$!
    wait_until 10 bash -c "(( \$(grep -c event=listening '$T/$name.log') > ${before:-0} ))" ||
        { tail -5 "$T/$name.log"; fail "source $name did not start on port $port"; }
    SRC_PORT[$name]=$(listening_port "$T/$name.log")
}
remote() { echo "http://127.0.0.1:${SRC_PORT[$1]}/stream.ts"; }

# write_config EXTRA(0|1): the streams, the statistics API, the access log; with EXTRA=1 also
# /extra.ts and another fullconnections, the "small change" of every other reload. Atomic.
write_config() {
    local extra="" full=500
    (( $1 )) && { extra="{ \"type\": \"stream\", \"serve\": \"/extra.ts\", \"remote\": \"$(remote S)\" },"; full=600; }
    cat >"$T/server.json.tmp" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "maxconnections": 2000, "fullconnections": $full, "log": "$T/access.json",
  "resources": [
    { "type": "stream", "serve": "/steady.ts", "remote": "$(remote S)" },
    { "type": "stream", "serve": "/fo.ts", "remotes": [ "$(remote A)", "$(remote B)" ] },
    { "type": "stream", "serve": "/flaky.ts", "remote": "$(remote A)" }, $extra
    { "type": "api", "api": "statistics", "serve": "/statistics" },
    { "type": "api", "api": "health", "serve": "/health" } ] }
JSON
    mv "$T/server.json.tmp" "$T/server.json"
}

head_ok() { [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' -I "http://127.0.0.1:$SERVER_PORT$1") == 200 ]]; }
all_streams_up() { head_ok /steady.ts && head_ok /fo.ts && head_ok /flaky.ts; }
viewers() { curl -s -m 3 "http://127.0.0.1:$SERVER_PORT/statistics" | sed -n 's/.*"connections":\([0-9]*\).*/\1/p'; }
viewers_are() { [[ $(viewers) == "$1" ]]; }
# sample PHASE MINUTE: appends "PHASE MINUTE rss_kib threads fds viewers requests kills reloads".
sample() {
    local rss threads fds requests viewers
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
    threads=$(ls "/proc/$SERVER_PID/task" | wc -l)
    fds=$(ls "/proc/$SERVER_PID/fd" | wc -l)
    requests=$(sed -n 's/.*\brequests=\([0-9]*\).*/\1/p' "$T/load.stats" 2>/dev/null || true)
    viewers=$(viewers || true)
    echo "$1 $2 $rss $threads $fds ${viewers:--1} ${requests:-0} $KILLS $RELOADS" >>"$T/samples"
    ls -l "/proc/$SERVER_PID/fd" | awk 'NR > 1 {print $NF}' | sed 's/\[[0-9]*\]$//' | sort >"$T/fds.$1"
    printf '%-6s minute=%-4s rss_kib=%-7s threads=%-4s fds=%-4s viewers=%-3s requests=%-6s kills=%-4s reloads=%s\n' \
        "$1" "$2" "$rss" "$threads" "$fds" "${viewers:--1}" "${requests:-0}" "$KILLS" "$RELOADS"
}
# The source /fo.ts reads now: the last upstream_connected line of /fo.ts names its port.
fo_source() {
    local port
    port=$(grep "event=upstream_connected stream=/fo.ts " "$T/server.log" | tail -1 | sed -n 's/.*remote=http:\/\/127.0.0.1:\([0-9]*\).*/\1/p')
    [[ $port == "${SRC_PORT[B]}" ]] && echo B || echo A
}
server_alive() { kill -0 "$SERVER_PID" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$SERVER_PID/stat" 2>/dev/null) != Z ]]; }
# died: the end of the server's log (a sanitizer's report of a crash is there), then FAIL.
died() { tail -40 "$T/server.log"; fail "the server died (see $T/server.log)"; }

echo "soak: $MINUTES min, binaries $BIN, logs in $T"
start_source S; start_source A; start_source B
write_config 0
"$BIN/server" "$T/server.json" 2>"$T/server.log" &
SERVER_PID=$!
wait_until 20 grep -q "event=listening" "$T/server.log" || { cat "$T/server.log"; fail "server did not start"; }
SERVER_PORT=$(listening_port "$T/server.log")
URL="http://127.0.0.1:$SERVER_PORT"
wait_until 20 all_streams_up || { cat "$T/server.log"; fail "streams never connected"; }
for v in steady1:steady steady2:steady steady3:steady fo1:fo flaky1:flaky; do
    python3 "$HERE/soak_clients.py" viewer "$URL/${v#*:}.ts" "${v%%:*}" "$T/viewers" &
    VIEWER_PIDS+=($!)
done
wait_until 20 viewers_are 5 || fail "the 5 long viewers did not all connect ($(viewers) connected)"
KILLS=0 RELOADS=0 EXTRA=0
sleep 3  # past the viewers' fast-start bursts
sample base 0

python3 "$HERE/soak_clients.py" load "$SERVER_PORT" "$T/load.stats" --rate 20 --slow 30 --flood 300 \
    --flood-every 30 --streams /steady.ts,/fo.ts,/flaky.ts,/extra.ts &
LOAD_PID=$!
start=$(now_ms)
end=$(( start + MINUTES * 60000 ))
next_kill=$(( start + KILL_EVERY_MS )) next_reload=$(( start + RELOAD_EVERY_MS )) minute=1
while (( $(now_ms) < end )); do
    sleep 0.2
    now=$(now_ms)
    server_alive || died
    kill -0 "$LOAD_PID" 2>/dev/null || fail "the load process ended early"
    for name in "${!RESTART_DUE[@]}"; do
        if (( now >= RESTART_DUE[$name] )); then
            start_source "$name" "${SRC_PORT[$name]}"
            echo "$(now_ms) restart $name ${SRC_PORT[$name]}" >>"$T/kills.log"
            unset "RESTART_DUE[$name]"
        fi
    done
    if (( now >= next_kill )); then
        next_kill=$(( next_kill + KILL_EVERY_MS ))
        victim=$(fo_source)
        if [[ -z ${RESTART_DUE[$victim]:-} ]]; then
            affects="/fo.ts"; [[ $victim == A ]] && affects="/fo.ts,/flaky.ts"
            echo "$(now_ms) kill $victim ${SRC_PORT[$victim]} $affects" >>"$T/kills.log"   # the time before the kill
            kill -KILL "${SRC_PID[$victim]}"
            wait "${SRC_PID[$victim]}" 2>/dev/null || true
            RESTART_DUE[$victim]=$(( now + RESTART_AFTER_MS ))
            KILLS=$(( KILLS + 1 ))
        fi
    fi
    if (( now >= next_reload )); then
        next_reload=$(( next_reload + RELOAD_EVERY_MS ))
        EXTRA=$(( RELOADS % 2 == 0 ))
        write_config $EXTRA
        kill -HUP "$SERVER_PID"
        RELOADS=$(( RELOADS + 1 ))
    fi
    if (( now >= start + minute * 60000 )); then
        sample load $minute
        minute=$(( minute + 1 ))
    fi
done

# Load off: every source up, the first configuration back, then threads and fds must come back to
# the baseline (the same 5 long viewers, the same 3 upstreams).
kill -TERM "$LOAD_PID"; wait "$LOAD_PID" || true
for name in "${!RESTART_DUE[@]}"; do
    start_source "$name" "${SRC_PORT[$name]}"
    echo "$(now_ms) restart $name ${SRC_PORT[$name]}" >>"$T/kills.log"
done
if (( EXTRA )); then
    write_config 0; kill -HUP "$SERVER_PID"; RELOADS=$(( RELOADS + 1 ))
fi
wait_until 15 bash -c "(( \$(grep -c 'event=reload' '$T/server.log') >= $RELOADS ))" || true
wait_until 20 all_streams_up || echo "streams not all up after the load"
wait_until 20 viewers_are 5 || echo "only $(viewers) of the 5 long viewers are connected after the load"
base_threads=$(awk '$1 == "base" {print $4}' "$T/samples") base_fds=$(awk '$1 == "base" {print $5}' "$T/samples")
settled() {
    (( $(ls "/proc/$SERVER_PID/task" | wc -l) <= base_threads + 2 && $(ls "/proc/$SERVER_PID/fd" | wc -l) <= base_fds + 2 ))
}
settle_start=$(now_ms)
wait_until 20 settled || true
sleep 2   # and stays there
sample after "+$(( ($(now_ms) - settle_start) / 1000 ))s"

for pid in "${VIEWER_PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${VIEWER_PIDS[@]}"; do wait "$pid" || true; done
server_alive || died
kill -TERM "$SERVER_PID"
server_stopped() { ! server_alive; }
wait_until 30 server_stopped || fail "the server did not stop within 30 s of SIGTERM"
server_rc=0; wait "$SERVER_PID" || server_rc=$?
SERVER_PID=""
echo "server exit status after SIGTERM: $server_rc"
# Under a sanitizer RSS is mostly the sanitizer's own memory: reported, not judged (see README.md).
sanitized=0
grep -qa -m1 -e __tsan_init -e __asan_init "$BIN/server" && sanitized=1
python3 "$HERE/soak_report.py" "$T" "$MINUTES" "$server_rc" "$RELOADS" "$sanitized"
