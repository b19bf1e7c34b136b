#!/usr/bin/env bash
# 6 s of the proxied stream decode with ffprobe: one H.264 video and one AAC audio stream, and the
# capture is whole packets with no continuity-counter gap.
source "$(dirname "$0")/lib.sh"
serve_sample_at_tv

headers=$(curl -s -m 2 -D - -o /dev/null "http://127.0.0.1:$SERVER_PORT/tv.ts" | tr -d '\r' || true)
echo "$headers"
grep -qx "Content-Type: video/mpeg" <<<"$headers" || fail "Content-Type is not video/mpeg"
grep -qx "Cache-Control: no-cache, no-store, no-transform" <<<"$headers" || fail "Cache-Control missing"
head -1 <<<"$headers" | grep -q "^HTTP/1.1 200" || fail "status is not 200"

capture "http://127.0.0.1:$SERVER_PORT/tv.ts" 6 "$T/cap.ts"
"$BIN/ts_check" "$T/cap.ts" || fail "capture has CC errors or is not aligned"
bytes=$(ts_figure "$T/cap.ts" bytes)
# 6 s at 2 Mbit/s is 1.5 MB; allow for start-up.
(( bytes > 1000000 )) || fail "only $bytes bytes in 6 s"
# One line per elementary stream: index,codec_name,codec_type (programs list them again: sort -u).
codecs=$(ffprobe -v error -show_entries stream=index,codec_name,codec_type -of csv=p=0 "$T/cap.ts" | grep , | sort -u | cut -d, -f2- | sort | tr '\n' ' ')
echo "codecs: $codecs"
[[ $codecs == "aac,audio h264,video " ]] || fail "expected one aac audio and one h264 video stream, got: $codecs"
# Decoding the whole capture must work; a viewer joins mid-GOP, so the decoder may complain about
# the pictures before the first keyframe only (fast start, which begins at a keyframe, comes later).
frames=$(ffprobe -v quiet -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$T/cap.ts" | grep -o '^[0-9]*' | sort -n | tail -1)
echo "decoded video frames: $frames"
(( frames >= 100 )) || fail "only $frames video frames decoded from 6 s at 25 fps"
