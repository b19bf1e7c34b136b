#!/usr/bin/env bash
# HLS output of a stream (issue 18): the live playlist parses with Debian's python3-m3u8 and keeps
# the rules of RFC 8216 (target duration, sequence that grows as segments leave), every segment
# starts with PAT, PMT and a keyframe, the segments in order are continuity-clean, ffmpeg decodes
# the playlist, 404 outside the window, Range and HEAD on segments, the resource's authentication,
# HLS sessions counted as viewers and logged once when they end, and a failover shows
# EXT-X-DISCONTINUITY with the sequence still growing.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3  # Debian's, which has the m3u8 module (see DESIGN.md)
$PY -c 'import m3u8' || fail "python3-m3u8 is not installed (make deps)"

start_source a "$SAMPLE"; pid_a=$LAST_PID; port_a=$SOURCE_PORT
start_source b "$SAMPLE"; pid_b=$LAST_PID; port_b=$SOURCE_PORT
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3, "log": "$T/access.log",
  "userlist": { "alice": { "password": "wonderland" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "hls": { "serve": "/ch1/", "segment": 2, "window": 4 },
      "remotes": [ "http://127.0.0.1:$port_a/stream.ts", "http://127.0.0.1:$port_b/stream.ts" ] },
    { "type": "stream", "serve": "/sec.ts", "hls": { "serve": "/sec/", "cors": [ "http://player.example" ] }, "remote": "http://127.0.0.1:$port_a/stream.ts",
      "authentication": { "type": "basic", "users": [ "alice" ] } },
    { "type": "api", "api": "statistics", "serve": "/stats" },
    { "type": "api", "api": "prometheus", "serve": "/metrics" } ] }
JSON
start_server "$T/server.json"
U="http://127.0.0.1:$SERVER_PORT/ch1"

# playlist_check FILE: parses with m3u8 and checks the rules; prints "first last count discontinuities".
cat >"$T/check.py" <<'PY'
import math, sys, m3u8
text = open(sys.argv[1]).read()
p = m3u8.loads(text)
assert p.is_variant is False, "not a media playlist"
assert p.version is not None and int(p.version) >= 3, "EXT-X-VERSION missing or below 3"
assert p.target_duration, "EXT-X-TARGETDURATION missing"
assert p.media_sequence is not None, "EXT-X-MEDIA-SEQUENCE missing"
assert "#EXT-X-DISCONTINUITY-SEQUENCE:" in text, "EXT-X-DISCONTINUITY-SEQUENCE missing"
assert not p.is_endlist, "a live playlist has no EXT-X-ENDLIST"
for i, s in enumerate(p.segments):
    assert round(s.duration) <= p.target_duration, "EXTINF %s above the target %s" % (s.duration, p.target_duration)
    assert s.duration > 0.5, "a segment of %s s" % s.duration
    assert s.program_date_time is not None, "EXT-X-PROGRAM-DATE-TIME missing"
    assert s.uri == "%d.ts" % (p.media_sequence + i), "segment %d is %s" % (i, s.uri)
print(p.media_sequence, p.media_sequence + len(p.segments) - 1, len(p.segments), sum(1 for s in p.segments if s.discontinuity))
PY
playlist_check() { $PY "$T/check.py" "$1"; }
fetch_playlist() { curl -sf -m 15 -o "$T/index.m3u8" "$U/index.m3u8"; }
has_segments() { fetch_playlist && (( $(grep -c '\.ts$' "$T/index.m3u8") >= $1 )); }

log "playlist"
wait_until 20 has_segments 3 || { cat "$T/server.log"; fail "no playlist with 3 segments"; }
cat "$T/index.m3u8"
read -r first last count _ < <(playlist_check "$T/index.m3u8") || fail "playlist rejected: $(playlist_check "$T/index.m3u8" 2>&1 | tail -1)"
echo "segments $first..$last ($count)"
headers=$(curl -s -D - -o /dev/null "$U/index.m3u8" | tr -d '\r')
grep -qx "Content-Type: application/vnd.apple.mpegurl" <<<"$headers" || fail "playlist Content-Type: $headers"
grep -qxE "Cache-Control: (max-age=1|no-cache)" <<<"$headers" || fail "playlist Cache-Control: $headers"
curl -sf -o "$T/master.m3u8" "$U/master.m3u8" || fail "no master playlist"
grep -qE '^#EXT-X-STREAM-INF:BANDWIDTH=[1-9][0-9]{5,},CODECS="avc1\.64001f,mp4a\.40\.2"$' "$T/master.m3u8" ||
    fail "master playlist: $(cat "$T/master.m3u8")"
grep -qx "index.m3u8" "$T/master.m3u8" || fail "master playlist does not name index.m3u8"

log "segments: PAT, PMT, keyframe first; continuity-clean in order"
: >"$T/all.ts"
for n in $(seq "$first" "$last"); do
    curl -sf -o "$T/$n.ts" "$U/$n.ts" || fail "segment $n not served"
    head=$("$BIN/ts_check" --head 3 "$T/$n.ts")
    pids=$(awk '{print $1}' <<<"$head" | tr '\n' ' ')
    [[ $pids == "pid=0 pid=4096 pid=256 " ]] || fail "segment $n starts with $pids"
    sed -n 3p <<<"$head" | grep -q "rai=1" || fail "segment $n: third packet is no keyframe: $head"
    cat "$T/$n.ts" >>"$T/all.ts"
done
"$BIN/ts_check" "$T/all.ts" || fail "segments in order are not continuity-clean"
headers=$(curl -s -D - -o /dev/null "$U/$first.ts" | tr -d '\r')
grep -qx "Content-Type: video/mp2t" <<<"$headers" || fail "segment Content-Type: $headers"
grep -qx "Cache-Control: max-age=8, immutable" <<<"$headers" || fail "segment Cache-Control: $headers"
grep -qx "ETag: \".*\"" <<<"$headers" || fail "segment ETag missing"
grep -qx "Content-Length: $(stat -c %s "$T/$first.ts")" <<<"$headers" || fail "segment Content-Length: $headers"

log "HEAD and Range"
headers=$(curl -s -I "$U/$last.ts" | tr -d '\r')
head -1 <<<"$headers" | grep -q "^HTTP/1.1 200" || fail "HEAD: $headers"
grep -qx "Content-Length: $(stat -c %s "$T/$last.ts")" <<<"$headers" || fail "HEAD Content-Length: $headers"
grep -qx "Accept-Ranges: bytes" <<<"$headers" || fail "HEAD Accept-Ranges: $headers"
[[ $(curl -s -I -o /dev/null -w '%{http_code}' "$U/index.m3u8") == 200 ]] || fail "HEAD on the playlist"
size=$(stat -c %s "$T/$last.ts")
headers=$(curl -s -D - -o "$T/range.bin" -H "Range: bytes=188-1000" "$U/$last.ts" | tr -d '\r')
head -1 <<<"$headers" | grep -q "^HTTP/1.1 206" || fail "Range: $headers"
grep -qx "Content-Range: bytes 188-1000/$size" <<<"$headers" || fail "Content-Range: $headers"
cmp "$T/range.bin" <(tail -c +189 "$T/$last.ts" | head -c 813) || fail "Range returned other bytes"
curl -s -o "$T/tail.bin" -H "Range: bytes=-188" "$U/$last.ts"
cmp "$T/tail.bin" <(tail -c 188 "$T/$last.ts") || fail "suffix Range returned other bytes"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "Range: bytes=$size-" "$U/$last.ts") == 416 ]] || fail "Range past the end is not 416"

log "404 outside the window"
[[ $(http_status "$U/$((last + 1000)).ts") == 404 ]] || fail "a far-ahead segment is not 404"
[[ $(http_status "$U/x.ts") == 404 ]] || fail "a bad segment name is not 404"
sequence_past() { fetch_playlist && (( $(playlist_check "$T/index.m3u8" | awk '{print $1}') > $1 )); }
wait_until 15 sequence_past "$first" || fail "the media sequence did not grow past $first"
[[ $(http_status "$U/$first.ts") == 404 ]] || fail "a segment that left the window is not 404"

log "ffmpeg decodes the playlist"
ffmpeg -hide_banner -nostats -v error -i "$U/index.m3u8" -t 10 -f null - 2>"$T/ffmpeg.err" </dev/null ||
    fail "ffmpeg failed: $(tail -3 "$T/ffmpeg.err")"
[[ ! -s $T/ffmpeg.err ]] && echo "no decode errors" || fail "ffmpeg reported: $(head -5 "$T/ffmpeg.err")"
frames=$(ffprobe -v error -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 \
    -read_intervals "%+10" "$U/index.m3u8" </dev/null | grep -o '^[0-9]*' | sort -n | tail -1)
echo "decoded video frames: $frames"
(( frames >= 200 )) || fail "only $frames video frames decoded from 10 s of the playlist"

log "authentication applies"
S="http://127.0.0.1:$SERVER_PORT/sec"
[[ $(http_status "$S/index.m3u8") == 401 ]] || fail "playlist without credentials is not 401"
[[ $(http_status "$S/1.ts") == 401 ]] || fail "segment without credentials is not 401"
[[ $(curl -s -o /dev/null -m 15 -w '%{http_code}' -u alice:wonderland "$S/index.m3u8") == 200 ]] || fail "playlist with credentials is not 200"

log "CORS where configured: preflight without credentials, Allow-Origin for a listed origin only"
headers=$(curl -s -D - -o /dev/null -X OPTIONS -H "Origin: http://player.example" -H "Access-Control-Request-Method: GET" \
    "$S/index.m3u8" | tr -d '\r')
head -1 <<<"$headers" | grep -q "^HTTP/1.1 204" || fail "preflight: $headers"
grep -qx "Access-Control-Allow-Origin: http://player.example" <<<"$headers" || fail "preflight Allow-Origin: $headers"
grep -qi "^Access-Control-Allow-Headers: .*Range" <<<"$headers" || fail "preflight does not allow Range: $headers"
headers=$(curl -s -D - -o /dev/null -m 15 -u alice:wonderland -H "Origin: http://player.example" "$S/index.m3u8" | tr -d '\r')
grep -qx "Access-Control-Allow-Origin: http://player.example" <<<"$headers" || fail "GET Allow-Origin: $headers"
headers=$(curl -s -D - -o /dev/null -m 15 -u alice:wonderland -H "Origin: http://other.example" "$S/index.m3u8" | tr -d '\r')
grep -qi "^Access-Control-Allow-Origin" <<<"$headers" && fail "Allow-Origin for an origin not listed: $headers"
headers=$(curl -s -D - -o /dev/null -H "Origin: http://player.example" "$U/index.m3u8" | tr -d '\r')
grep -qi "^Access-Control-Allow-Origin" <<<"$headers" && fail "Allow-Origin without cors configured: $headers"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "$U/index.m3u8") == 405 ]] || fail "OPTIONS without cors is not 405"

log "statistics: HLS sessions are viewers"
# Whole answers first: grep -q would stop reading early, and curl's SIGPIPE fail the pipeline.
stats=$(curl -s "http://127.0.0.1:$SERVER_PORT/stats")
metrics=$(curl -s "http://127.0.0.1:$SERVER_PORT/metrics")
grep -qE '"connections":[1-9]' <<<"$stats" || fail "the HLS session is not counted as a viewer: $stats"
grep -qE '"total_hls_requests":[1-9]' <<<"$stats" || fail "total_hls_requests not counted: $stats"
grep -qE '^restreamer_hls_bytes_sent_total\{stream="/tv.ts"\} [1-9]' <<<"$metrics" ||
    fail "restreamer_hls_bytes_sent_total not counted: $(grep hls <<<"$metrics")"

log "failover: a discontinuity, the sequence keeps growing"
fetch_playlist
before=$(playlist_check "$T/index.m3u8" | awk '{print $2}')
connected=$(sed -n 's/.*event=upstream_connected stream=\/tv.ts .*remote=http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$T/server.log" | head -1)
[[ $connected == "$port_a" ]] && kill -KILL "$pid_a" || kill -KILL "$pid_b"
has_discontinuity() { fetch_playlist && grep -q "^#EXT-X-DISCONTINUITY$" "$T/index.m3u8"; }
wait_until 20 has_discontinuity || { cat "$T/index.m3u8"; fail "no EXT-X-DISCONTINUITY after the failover"; }
has_segments_after() { has_discontinuity && (( $(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$T/index.m3u8" | grep -c '\.ts$') >= 2 )); }
wait_until 15 has_segments_after || fail "no segments after the discontinuity"
cat "$T/index.m3u8"
read -r first last count discontinuities < <(playlist_check "$T/index.m3u8") || fail "playlist after failover rejected"
(( last > before )) || fail "sequence did not grow across the failover ($before -> $last)"
(( discontinuities == 1 )) || fail "$discontinuities discontinuities"
after=$(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$T/index.m3u8" | grep '\.ts$' | head -1)
curl -sf -o "$T/after.ts" "$U/$after"
[[ $("$BIN/ts_check" --head 3 "$T/after.ts" | awk '{print $1}' | tr '\n' ' ') == "pid=0 pid=4096 pid=256 " ]] ||
    fail "the first segment after the failover does not start with PAT, PMT, keyframe"
echo "failover: sequence $before -> $last, discontinuity at $after"

log "one access-log line per HLS session, when it ends (12 s without a request)"
# (refusals, like the 405 to OPTIONS above, are logged per request as for any resource)
grep -q '"path":"/ch1/[^"]*","status":2' "$T/access.log" && fail "access log has a line per HLS request: $(grep '/ch1/' "$T/access.log" | head -2)"
wait_until 25 grep -q '"path":"/ch1/"' "$T/access.log" || { cat "$T/access.log"; fail "no access-log line for the ended HLS session"; }
grep '"path":"/ch1/"' "$T/access.log"
(( $(grep -c '"path":"/ch1/"' "$T/access.log") == 1 )) || fail "more than one line for one HLS session"
grep -q "event=hls_session_ended stream=/tv.ts client=127.0.0.1" "$T/server.log" || fail "no hls_session_ended log line"
