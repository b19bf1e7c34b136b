#!/usr/bin/env bash
# A stream with a "preamble" file sends that file to every viewer before the stream; a preamble
# that cannot be read stops the server at start-up with one line.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
# Ten packets of PID 0x1FFE, a PID the sample does not use.
{ for cc in 0 1 2 3 4 5 6 7 8 9; do printf "\\x47\\x1f\\xfe\\x1$cc"; head -c 184 /dev/zero | tr '\0' '\125'; done; } >"$T/preamble.ts"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "preamble": "$T/preamble.ts",
                   "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" } ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
capture "http://127.0.0.1:$SERVER_PORT/tv.ts" 2 "$T/cap.ts"
cmp -n 1880 "$T/preamble.ts" "$T/cap.ts" || fail "the first 1880 bytes are not the preamble"
(( $(ts_figure "$T/cap.ts" bytes) > 100000 )) || fail "no stream after the preamble"
"$BIN/ts_check" "$T/cap.ts" || fail "stream after the preamble is broken"

sed -i "s|$T/preamble.ts|$T/missing.ts|" "$T/server.json"
rc=0; out=$(timeout 5 "$BIN/server" "$T/server.json" 2>&1) || rc=$?
echo "$out"
[[ $rc == 2 ]] || fail "missing preamble: exit $rc, expected 2"
[[ $out == *"/tv.ts: preamble: cannot read $T/missing.ts: No such file or directory" ]] || fail "unclear message"
