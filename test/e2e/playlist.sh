#!/usr/bin/env bash
# The playlist api against the real server: the exact M3U without and with publicurl, Content-Type
# and HEAD; X-Forwarded-Proto/-Host (and -For) honoured from a trusted proxy and ignored from an
# untrusted peer; a stream whose allow list excludes the client and one with Basic authentication
# left out, the latter listed with the right credentials; a bad Host refused; mpv plays it and
# ffprobe's hls demuxer probes its first entry.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
up="http://127.0.0.1:$SOURCE_PORT/stream.ts"

# config FILE 'EXTRA_TOP_LEVEL_JSON'
config() {
    cat >"$1" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, $2
  ${GUIDE:+\"guide\": \"$GUIDE\",}
  "userlist": { "bob": { "password": "secret" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "$up", "name": "Das \"Erste\"", "tvgid": "ard.de",
      "logo": "http://l.example/ard.png", "group": "News" },
    { "type": "static", "serve": "/logo.png", "remote": "/etc/hostname" },
    { "type": "stream", "serve": "/radio/ch2.ts", "remote": "$up" },
    { "type": "stream", "serve": "/secret.ts", "remote": "$up", "authentication": { "type": "basic", "user": "bob" } },
    { "type": "stream", "serve": "/lan.ts", "remote": "$up", "allow": ["10.0.0.0/8"] },
    { "type": "api", "api": "health", "serve": "/health" },
    { "type": "api", "api": "playlist", "serve": "/playlist.m3u" }
  ] }
JSON
}

# expected BASE [SECRET]: the body for a client on 127.0.0.1, with /secret.ts when SECRET is given.
expected() {
    printf '#EXTM3U%s\n' "${GUIDE:+ x-tvg-url=\"$GUIDE\"}"
    printf '#EXTINF:-1 tvg-id="ard.de" tvg-name="Das '"'"'Erste'"'"'" tvg-logo="http://l.example/ard.png" group-title="News",Das "Erste"\n'
    printf '%s/tv.ts\n' "$1"
    printf '#EXTINF:-1 tvg-name="radio/ch2",radio/ch2\n%s/radio/ch2.ts\n' "$1"
    [[ -z ${2:-} ]] || printf '#EXTINF:-1 tvg-name="secret",secret\n%s/secret.ts\n' "$1"
    [[ -z ${3:-} ]] || printf '#EXTINF:-1 tvg-name="lan",lan\n%s/lan.ts\n' "$1"
}

# same WHAT EXPECTED_FILE CURL_ARGS...: the playlist as fetched with CURL_ARGS is EXPECTED_FILE.
same() {
    local what=$1 want=$2; shift 2
    curl -s -m 5 "$@" "http://127.0.0.1:$SERVER_PORT/playlist.m3u" >"$T/got.m3u"
    diff -u "$want" "$T/got.m3u" || fail "$what: playlist differs (above)"
}

reload_with() {
    local before; before=$(grep -c event=reloaded "$T/server.log" || true)
    config "$T/server.json" "$1"
    kill -HUP "$SERVER_PID"
    wait_until 10 log_count_at_least $((before + 1)) event=reloaded || fail "reload failed"
}

GUIDE="http://epg.example/guide.xml"
log "without publicurl, trusted proxy 127.0.0.1"
config "$T/server.json" '"trustedproxies": ["127.0.0.1/32"],'
start_server "$T/server.json"
base="http://127.0.0.1:$SERVER_PORT"
for path in /tv.ts /radio/ch2.ts /secret.ts /lan.ts; do wait_until 10 stream_connected "$path" || [[ $path != /tv.ts ]] || fail "no upstream"; done
expected "$base" >"$T/plain.m3u"
same "no credentials" "$T/plain.m3u"
expected "$base" secret >"$T/bob.m3u"
same "bob's credentials" "$T/bob.m3u" -u bob:secret
same "wrong credentials" "$T/plain.m3u" -u bob:wrong
expected "$base" "" lan >"$T/lan.m3u"
same "client 10.1.2.3 forwarded by a trusted proxy" "$T/lan.m3u" -H "X-Forwarded-For: 10.1.2.3"
expected "https://tv.example:8443" >"$T/forwarded.m3u"
same "forwarded scheme and host" "$T/forwarded.m3u" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: tv.example:8443, evil"
same "a forwarded scheme other than http(s)" <(expected "http://tv.example") -H "X-Forwarded-Proto: gopher" -H "X-Forwarded-Host: tv.example"

log "Content-Type, HEAD, a Host that must not be reflected"
# A raw HEAD over HTTP/1.0: the server closes after the answer, so whatever follows the head is a body.
exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
printf 'HEAD /playlist.m3u HTTP/1.0\r\n\r\n' >&3
timeout 5 cat <&3 | tr -d '\r' >"$T/head.txt"
exec 3<&-
grep -q '^HTTP/1.1 200' "$T/head.txt" || fail "HEAD: $(head -1 "$T/head.txt")"
grep -qi '^Content-Type: audio/x-mpegurl; charset=utf-8$' "$T/head.txt" || fail "Content-Type: $(cat "$T/head.txt")"
[[ -z $(sed '1,/^$/d' "$T/head.txt") ]] || fail "HEAD got a body: $(cat "$T/head.txt")"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: x"><b' "$base/playlist.m3u") == 400 ]] || fail "bad Host not refused"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Host: a b' "$base/playlist.m3u") == 400 ]] || fail "bad X-Forwarded-Host not refused"

# mpv 0.35 (and ffmpeg's hls demuxer) take the file for M3U only when its first line is exactly
# #EXTM3U: x-tvg-url makes them read every line as a URL. So this part runs without a guide.
log "untrusted peer, no guide: forwarded fields ignored"
GUIDE=""
reload_with ""
expected "$base" >"$T/plain.m3u"
same "forwarded fields from an untrusted peer" "$T/plain.m3u" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: tv.example" -H "X-Forwarded-For: 10.1.2.3"

log "mpv plays the first entry of the playlist"
rc=0
mpv --no-config --vo=null --ao=null --frames=25 --loop-playlist=no --playlist-start=0 \
    --term-playing-msg='PLAYING=${path}' --playlist="$base/playlist.m3u" >"$T/mpv.txt" 2>&1 || rc=$?
(( rc == 0 )) || { cat "$T/mpv.txt"; fail "mpv exited $rc"; }
grep -q "^PLAYING=$base/tv.ts$" "$T/mpv.txt" || { cat "$T/mpv.txt"; fail "mpv did not play $base/tv.ts"; }
grep -q "event=client_connected stream=/tv.ts" "$T/server.log" || fail "no viewer of /tv.ts logged"
log "ffprobe's hls demuxer reads it and probes the first entry"
timeout 20 ffprobe -v error -f hls -show_entries format=format_name:stream=codec_name -of compact \
    "$base/playlist.m3u" >"$T/ffprobe.txt" 2>&1 || { cat "$T/ffprobe.txt"; fail "ffprobe failed"; }
grep -q '^format|format_name=hls$' "$T/ffprobe.txt" && grep -q 'codec_name=h264' "$T/ffprobe.txt" ||
    { cat "$T/ffprobe.txt"; fail "ffprobe did not read the playlist's stream"; }

GUIDE="http://epg.example/guide.xml"

log "with publicurl"
reload_with '"publicurl": "https://tv.example.com/base/",'
expected "https://tv.example.com/base" >"$T/public.m3u"
same "publicurl" "$T/public.m3u" -H "Host: other.example"
echo "PASS playlist"
