# lib.sh - shared helpers for end-to-end tests: start the real bin/source and bin/server on
# 127.0.0.1 with ephemeral ports, wait for readiness by polling (never fixed sleeps), clean up on exit.
set -euo pipefail
: "${BIN:?BIN must point at the binaries}" "${SAMPLE:?SAMPLE must point at the sample stream}"
T=$(mktemp -d /tmp/restreamer-test.XXXXXX)
PIDS=()

# Stops what the test started; a sanitizer report in any program's log fails the test.
cleanup() {
    local rc=$? pid
    # Only our own children: a PID recorded earlier may since belong to another process.
    ours() { [[ $(awk '{print $4}' "/proc/$1/stat" 2>/dev/null) == "$$" ]]; }
    for pid in "${PIDS[@]}"; do ours "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do ours "$pid" || break; sleep 0.1; done
        ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
    done
    if grep -l -E "WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log 2>/dev/null; then
        grep -h -A30 -E "WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log | head -80
        echo "FAIL: sanitizer report above" >&2
        rc=1
    fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "--- $*"; }

# wait_until SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_until() {
    local limit=$1; shift
    local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    until "$@" >/dev/null 2>&1; do
        (( $(date +%s%N) < deadline )) || return 1
        sleep 0.05
    done
}

# log_count_at_least N PATTERN [FILE]: the log (default the server's) has N lines matching PATTERN.
log_count_at_least() { (( $(grep -c -- "$2" "${3:-$T/server.log}") >= $1 )); }

# start_viewers N URL: N curl viewers saving to $T/viewerI.ts (pids in VIEWER_PIDS); returns once
# the server logged N connections and every viewer has received data.
start_viewers() {
    local n=$1 url=$2 i
    VIEWER_PIDS=()
    for i in $(seq "$n"); do curl -s -m 60 -o "$T/viewer$i.ts" "$url" & VIEWER_PIDS+=($!); done
    wait_until 20 log_count_at_least "$n" 'event=client_connected' ||
        fail "only $(grep -c event=client_connected "$T/server.log") of $n viewers connected"
    all_receiving() { local f; for f in "$T"/viewer*.ts; do [[ -s $f ]] || return 1; done; }
    wait_until 10 all_receiving || fail "not every viewer received data"
}

# Reads the address=HOST:PORT of the "event=listening" line a program logged.
listening_port() { sed -n 's/.*event=listening address=[^ ]*:\([0-9]*\).*/\1/p' "$1" | head -1; }

# start_source NAME [ARGS...]: bin/source on an ephemeral port; sets SOURCE_PORT; log in $T/NAME.log.
start_source() {
    local name=$1; shift
    "$BIN/source" --listen 127.0.0.1:0 "$@" 2>"$T/$name.log" &
    PIDS+=($!)
    LAST_PID=$!
    wait_until 10 grep -q "event=listening" "$T/$name.log" || { cat "$T/$name.log"; fail "source $name did not start"; }
    SOURCE_PORT=$(listening_port "$T/$name.log")
}

# start_server CONFIG_FILE: bin/server; sets SERVER_PORT, SERVER_PID; log in $T/server.log.
start_server() {
    "$BIN/server" "$1" 2>"$T/server.log" &
    SERVER_PID=$!
    PIDS+=($SERVER_PID)
    wait_until 10 grep -q "event=listening" "$T/server.log" || { cat "$T/server.log"; fail "server did not start"; }
    SERVER_PORT=$(listening_port "$T/server.log")
}

# write_config FILE 'EXTRA_TOP_LEVEL_JSON' SERVE REMOTE [SERVE REMOTE ...]
write_config() {
    local file=$1 extra=$2; shift 2
    local resources="" sep=""
    while (( $# >= 2 )); do
        resources+="$sep{\"type\": \"stream\", \"serve\": \"$1\", \"remote\": \"$2\"}"
        sep=", "; shift 2
    done
    cat >"$file" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, $extra
  "resources": [ $resources ] }
JSON
}

# serve_sample_at_tv: bin/source playing $SAMPLE, and bin/server relaying it at /tv.ts with the
# defaults of write_config; returns once the stream is connected.
serve_sample_at_tv() {
    start_source src "$SAMPLE"
    write_config "$T/server.json" "" /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
    start_server "$T/server.json"
    wait_until 10 stream_connected /tv.ts || fail "stream never connected"
}

# stream_connected PATH: the server answers 200 to HEAD on PATH (the upstream is connected).
stream_connected() { [[ $(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$SERVER_PORT$1") == 200 ]]; }

# http_status URL: prints the status code of a GET (body discarded, 3 s limit).
http_status() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" || true; }

# capture URL SECONDS OUT: saves what a GET delivers in SECONDS.
capture() { curl -s -m "$2" -o "$3" "$1" || true; }

# expect_starts_with_picture FILE: the capture begins with the PAT, the PMT and a video keyframe
# (the sample's PIDs: PMT 4096, video 256), as a fast start sends them.
expect_starts_with_picture() {
    local head
    head=$("$BIN/ts_check" --head 3 "$1" | cut -d' ' -f1-3 | tr '\n' ' ')
    echo "$1 starts with: $head"
    [[ $head == "pid=0 pusi=1 rai=0 pid=4096 pusi=1 rai=0 pid=256 pusi=1 rai=1 " ]] ||
        fail "$1 does not start with PAT, PMT and a keyframe: $head"
}

# expect_decodes FILE FRAMES: ffmpeg decodes FILE's first FRAMES video frames without an error.
expect_decodes() {
    local errors
    errors=$(ffmpeg -v error -i "$1" -frames:v "$2" -f null - 2>&1 | wc -l)
    (( errors == 0 )) || { ffmpeg -v error -i "$1" -frames:v "$2" -f null - 2>&1 | head -5; fail "$1 decodes with $errors errors"; }
}

# ts_figure FILE KEY: one figure (bytes, packets, cc_errors, aligned, ...) from bin/ts_check.
ts_figure() { "$BIN/ts_check" "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# feed_pipe NAME COMMAND...: bin/source's stream (SOURCE_PORT) piped into COMMAND (bin/ts_pipe, maybe
# under `ip netns exec`); waits for its listening or sending line; sets PIPE_PORT when it listens on TCP.
feed_pipe() {
    local name=$1; shift
    curl -s "http://127.0.0.1:$SOURCE_PORT/stream.ts" | "$@" 2>"$T/$name.log" &
    PIDS+=($!)
    LAST_PID=$!
    wait_until 10 grep -qE "event=(listening|sending)" "$T/$name.log" || { cat "$T/$name.log"; fail "$name did not start"; }
    PIPE_PORT=$(listening_port "$T/$name.log")
}

# faulty_feeder: a command for a fork:// remote at $T/faulty.sh that plays bin/source's stream
# (SOURCE_PORT) through test/tools/ts_faults.py; writing a fault's name to $FAULT_FILE breaks it live.
faulty_feeder() {
    FAULT_FILE="$T/fault"
    echo none >"$FAULT_FILE"
    cat >"$T/faulty.sh" <<SH
#!/bin/sh
exec curl -sS "http://127.0.0.1:$SOURCE_PORT/stream.ts" | exec python3 "$PWD/test/tools/ts_faults.py" "$FAULT_FILE"
SH
    chmod +x "$T/faulty.sh"
}

# free_udp_port [HOST], free_tcp_port [HOST]: a port that is free on HOST (default 127.0.0.1) at the
# time of asking, for programs that cannot listen on port 0 and tell which port they got.
free_port_of() {
    python3 -c 'import socket,sys; h=sys.argv[2]; s=socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM); s.bind((h,0)); print(s.getsockname()[1])' "$1" "${2:-127.0.0.1}"
}
free_udp_port() { free_port_of udp "$@"; }
free_tcp_port() { free_port_of tcp "$@"; }

# expect_streams_deliver "NAME..." MIN_BYTES: every stream /NAME.ts connects, and 4 s captured from
# all of them at once are clean packets (no CC gap) of at least MIN_BYTES each.
expect_streams_deliver() {
    local streams=$1 min_bytes=$2 s bytes pids=()
    for s in $streams; do
        wait_until 10 stream_connected "/$s.ts" || { cat "$T/server.log"; fail "/$s.ts never connected"; }
    done
    for s in $streams; do capture "http://127.0.0.1:$SERVER_PORT/$s.ts" 4 "$T/$s.cap" & pids+=($!); done
    wait "${pids[@]}"
    for s in $streams; do
        "$BIN/ts_check" "$T/$s.cap" || fail "$s capture has CC errors or is not aligned"
        bytes=$(ts_figure "$T/$s.cap" bytes)
        echo "$s: $bytes bytes in 4 s"
        (( bytes > min_bytes )) || fail "only $bytes bytes from $s"
    done
}

# expect_rejected FILE MESSAGE: both --check-config and a plain start print MESSAGE and exit 2.
expect_rejected() {
    local rc=0 out
    out=$("$BIN/server" --check-config "$1" 2>&1) || rc=$?
    [[ $rc == 2 ]] || fail "--check-config $1: exit $rc, expected 2"
    [[ $out == "$2" ]] || fail "--check-config $1: got '$out', expected '$2'"
    rc=0
    out=$(timeout 5 "$BIN/server" "$1" 2>&1) || rc=$?
    [[ $rc == 2 ]] || fail "server $1: exit $rc, expected 2"
    [[ $out == "$2" ]] || fail "server $1: got '$out'"
    echo "ok: $2"
}
