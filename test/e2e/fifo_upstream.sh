#!/usr/bin/env bash
# A file:// upstream that is a FIFO: the server waits for a writer, streams what it writes, and
# reopens the FIFO when the writer goes away.
source "$(dirname "$0")/lib.sh"
mkfifo "$T/in.ts"
write_config "$T/server.json" "" /fifo.ts "file://$T/in.ts"
start_server "$T/server.json"
# Feed the FIFO at about real time with bin/source's pacing: fetch from a source into the FIFO.
start_source src "$SAMPLE"
curl -s -m 30 "http://127.0.0.1:$SOURCE_PORT/stream.ts" >"$T/in.ts" & writer=$!
wait_until 10 stream_connected /fifo.ts || { cat "$T/server.log"; fail "FIFO stream never connected"; }
capture "http://127.0.0.1:$SERVER_PORT/fifo.ts" 4 "$T/cap.ts"
"$BIN/ts_check" "$T/cap.ts" || fail "FIFO capture broken"
(( $(ts_figure "$T/cap.ts" bytes) > 300000 )) || fail "too little data from the FIFO"
kill $writer; wait $writer 2>/dev/null || true
wait_until 5 grep -q "event=upstream_disconnected .*reason=\"end of stream\"" "$T/server.log" || fail "writer leaving not noticed"
# A second writer is picked up again.
curl -s -m 30 "http://127.0.0.1:$SOURCE_PORT/stream.ts" >"$T/in.ts" & writer=$!
wait_until 10 stream_connected /fifo.ts || fail "FIFO not reopened"
kill $writer
