#!/usr/bin/env bash
# A viewer that reads slower than the stream loses whole GOPs: every gap in its capture is at a
# keyframe (with PAT and PMT re-sent) and what it gets decodes; a healthy viewer in the same run
# sees no continuity error; the slow one is disconnected only after maxlag.
source "$(dirname "$0")/lib.sh"
# The 2 Mbit/s sample sent at 16 Mbit/s: a viewer reading 1 MB/s falls behind by 1 MB/s, fills
# its 4 MiB queue in a few seconds, and then must skip.
start_source src --bitrate 16000000 "$SAMPLE"
write_config "$T/server.json" '"maxlag": 60,' /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
url="http://127.0.0.1:$SERVER_PORT/tv.ts"
curl -s -m 20 -o "$T/healthy.ts" "$url" & healthy=$!
python3 "$(dirname "$0")/../tools/slow_reader.py" "$url" 1000000 20 "$T/slow.ts" & slow=$!
wait $healthy $slow || true

wait_until 5 log_count_at_least 2 "event=client_disconnected" || fail "viewers not logged out"
grep "event=client_disconnected" "$T/server.log"
"$BIN/ts_check" "$T/healthy.ts" || fail "the healthy viewer has continuity errors"
slow_line=$(grep "event=client_disconnected" "$T/server.log" | grep -v "dropped_packets=0 " || true)
[[ -n $slow_line ]] || fail "the slow viewer lost nothing: the test did not make it slow enough"
"$BIN/ts_check" --gaps-at-keyframes "$T/slow.ts" | tee "$T/slow.txt" || fail "a gap in the slow viewer's stream is not at a keyframe"
grep -q "keyframe_gaps=0" "$T/slow.txt" && fail "no gap at all in the slow capture"
probe=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/slow.ts" 2>&1 | grep -v -x -e h264 -e aac || true)
[[ -z $probe ]] || fail "ffprobe reports errors on the slow viewer's stream: $probe"
# Drops fall between pictures and resume at a keyframe: the whole capture decodes without a message.
ffmpeg -v error -i "$T/slow.ts" -f null - 2>"$T/decode.txt" || true
messages=$(wc -l <"$T/decode.txt")
echo "decoder messages: $messages"; head -5 "$T/decode.txt"
(( messages == 0 )) || fail "the slow viewer's stream does not decode cleanly"
