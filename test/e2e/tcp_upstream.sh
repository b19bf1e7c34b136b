#!/usr/bin/env bash
# tcp:// upstreams, over IPv4 and IPv6: raw TS from a TCP listener reaches viewers whole and gapless.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
feed_pipe tcp4 "$BIN/ts_pipe" tcp-listen 127.0.0.1:0
port4=$PIPE_PORT
feed_pipe tcp6 "$BIN/ts_pipe" tcp-listen "[::1]:0"
port6=$PIPE_PORT
write_config "$T/server.json" "" /v4.ts "tcp://127.0.0.1:$port4" /v6.ts "tcp://[::1]:$port6"
start_server "$T/server.json"
wait_until 10 stream_connected /v4.ts || { cat "$T/server.log"; fail "tcp stream never connected"; }
wait_until 10 stream_connected /v6.ts || { cat "$T/server.log"; fail "tcp [::1] stream never connected"; }

capture "http://127.0.0.1:$SERVER_PORT/v4.ts" 4 "$T/v4.ts" & c4=$!
capture "http://127.0.0.1:$SERVER_PORT/v6.ts" 4 "$T/v6.ts"
wait $c4
for v in v4 v6; do
    "$BIN/ts_check" "$T/$v.ts" || fail "$v capture has CC errors or is not aligned"
    bytes=$(ts_figure "$T/$v.ts" bytes)
    echo "$v: $bytes bytes in 4 s"
    # 4 s at 2 Mbit/s is 1 MB; allow for start-up.
    (( bytes > 600000 )) || fail "only $bytes bytes from the $v tcp upstream"
done
grep -q "event=client_connected client=\[::1\]:" "$T/tcp6.log" || fail "the IPv6 upstream was not reached over ::1"
grep "event=upstream_connected" "$T/server.log"
