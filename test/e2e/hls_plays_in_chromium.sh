#!/usr/bin/env bash
# A real browser plays the HLS output: headless Chromium (Debian's) loads a page, served by a
# static resource, that plays /ch1/index.m3u8 with hls.js (served by the server too, no CDN). The
# page reports the video's currentTime and any fatal hls.js error once a second by requesting
# /report/<currentTime>/<error>, which the access log records (a 404, on purpose).
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HLSJS=$ROOT/build/web/hls.min.js
[[ -s $HLSJS ]] || make -s -C "$ROOT" build/web/hls.min.js >"$T/npm.log" 2>&1 ||
    fail "hls.js is missing and npm could not fetch it (make test fetches it): $(tail -3 "$T/npm.log")"
command -v chromium >/dev/null || fail "chromium is not installed (make deps)"

cat >"$T/player.html" <<'HTML'
<!doctype html>
<html><body>
<video id="v" muted autoplay playsinline></video>
<script src="hls.min.js"></script>
<script>
const video = document.getElementById("v");
let fatal = "none";
if (!Hls.isSupported()) fatal = "hls.js-not-supported";
const hls = new Hls();
hls.on(Hls.Events.ERROR, (event, data) => { if (data.fatal) fatal = data.type + ":" + data.details; });
hls.loadSource("/ch1/index.m3u8");
hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(e => { fatal = "play:" + e.name; }));
setInterval(() => fetch("/report/" + video.currentTime.toFixed(2) + "/" + encodeURIComponent(fatal)), 1000);
</script>
</body></html>
HTML
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3, "log": "$T/access.log",
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "hls": { "serve": "/ch1/" }, "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "static", "serve": "/player.html", "remote": "$T/player.html" },
    { "type": "static", "serve": "/hls.min.js", "remote": "$HLSJS" } ] }
JSON
start_server "$T/server.json"
wait_until 20 curl -sf -o /dev/null "http://127.0.0.1:$SERVER_PORT/ch1/index.m3u8" || fail "no playlist"

timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
    --autoplay-policy=no-user-gesture-required "http://127.0.0.1:$SERVER_PORT/player.html" >"$T/chrome.log" 2>&1 &
PIDS+=($!)
# report_max: the largest currentTime reported so far (0 before any report).
report_max() { sed -n 's|.*"path":"/report/\([0-9.]*\)/.*|\1|p' "$T/access.log" | sort -n | tail -1; }
played() { local t; t=$(report_max); [[ -n $t ]] && (( ${t%.*} >= 5 )); }
wait_until 45 played || { grep '/report/' "$T/access.log" | tail -3; tail -5 "$T/chrome.log"; fail "currentTime did not reach 5 s"; }
grep '/report/' "$T/access.log" | tail -1
echo "currentTime reached $(report_max) s"
errors=$(sed -n 's|.*"path":"/report/[0-9.]*/\([^"]*\)".*|\1|p' "$T/access.log" | sort -u)
[[ $errors == none ]] || fail "hls.js reported a fatal error: $errors"
