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
# 4 s at 2 Mbit/s is 1 MB; allow for start-up.
expect_streams_deliver "v4 v6" 600000
grep -q "event=client_connected client=\[::1\]:" "$T/tcp6.log" || fail "the IPv6 upstream was not reached over ::1"
grep "event=upstream_connected" "$T/server.log"
