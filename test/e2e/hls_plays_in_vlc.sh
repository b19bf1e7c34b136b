#!/usr/bin/env bash
# VLC plays the HLS output headless: its adaptive demuxer reads /ch1/index.m3u8, fetches the
# segments as the live edge moves on, and its decoder shows pictures without ever running dry; no
# continuity warning from its TS demuxer, no decoder error.
source "$(dirname "$0")/lib.sh"
command -v cvlc >/dev/null || fail "cvlc is not installed (make deps)"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "hls": { "serve": "/ch1/", "segment": 1 },
                   "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" } ] }
JSON
start_server "$T/server.json"
# A player starts three segments from the live edge (RFC 8216 6.3.3): with fewer listed it starts
# at the edge and rebuffers, as it would on any server.
listed_at_least_4() { (( $(curl -sf "http://127.0.0.1:$SERVER_PORT/ch1/index.m3u8" | grep -c '\.ts$') >= 4 )); }
wait_until 30 listed_at_least_4 || fail "the playlist did not reach 4 segments"

# VLC refuses to run as root: it runs as nobody, with a home of its own for its settings.
chmod 755 "$T"
mkdir "$T/vlc-home" && chown nobody "$T/vlc-home"
log "cvlc plays /ch1/index.m3u8 for 10 s"
rc=0
timeout 30 runuser -u nobody -- env HOME="$T/vlc-home" cvlc -vv --vout=dummy --aout=dummy --run-time=10 \
    --play-and-exit "http://127.0.0.1:$SERVER_PORT/ch1/index.m3u8" >"$T/vlc.txt" 2>&1 || rc=$?
(( rc == 0 )) || { tail -20 "$T/vlc.txt"; fail "cvlc exited $rc"; }
# Once: VLC restarts its decoders (and says it again) when it runs dry and rebuffers.
pictures=$(grep -c "Received first picture" "$T/vlc.txt" || true)
buffered=$(grep -c "Stream buffering done" "$T/vlc.txt" || true)
[[ $pictures == 1 && $buffered == 1 ]] || { tail -20 "$T/vlc.txt"; fail "first picture $pictures times, buffered $buffered times (want 1, 1)"; }
# The sample's GOP is 2 s: the first playlist lists 3 or so segments; a player that keeps up with
# the live edge for 10 s fetches at least 4 more.
fetched=$(grep -o "Retrieving http://127.0.0.1:$SERVER_PORT/ch1/[0-9]*\.ts" "$T/vlc.txt" | sort -u | wc -l)
echo "VLC fetched $fetched distinct segments"
(( fetched >= 7 )) || fail "VLC fetched only $fetched segments in 10 s"
if grep -E "ts demux (warning|error)|decoder error|adaptive demux (warning|error)" "$T/vlc.txt" | grep -v "decoded zero sample"; then
    fail "VLC warned about the stream (above)"
fi
