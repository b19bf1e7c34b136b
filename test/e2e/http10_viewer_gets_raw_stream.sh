#!/usr/bin/env bash
# An HTTP/1.0 viewer (old set-top boxes) cannot decode chunked encoding: it gets the raw packets
# until the connection closes, and the body is a clean transport stream.
source "$(dirname "$0")/lib.sh"
serve_sample_at_tv
# A raw socket, so that no client library undoes a chunked encoding behind our back.
exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
printf 'GET /tv.ts HTTP/1.0\r\n\r\n' >&3
timeout 3 cat <&3 >"$T/raw" || true
exec 3<&-
head=$(head -c 400 "$T/raw" | tr -d '\r' | sed '/^$/q')
echo "$head"
head -1 <<<"$head" | grep -q "^HTTP/1.1 200" || fail "not 200"
grep -qi "^Transfer-Encoding" <<<"$head" && fail "chunked encoding sent to an HTTP/1.0 client"
# The body starts right after the blank line with a sync byte, and is whole packets.
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(d[d.index(b"\r\n\r\n") + 4:])' \
    "$T/raw" >"$T/body.ts"
size=$(stat -c %s "$T/body.ts"); truncate -s $(( size / 188 * 188 )) "$T/body.ts"
"$BIN/ts_check" "$T/body.ts" || fail "raw body is not a clean transport stream"
(( $(ts_figure "$T/body.ts" bytes) > 300000 )) || fail "too little data"
