#!/usr/bin/env bash
# One program out of a multiplex: an MPTS of two programs made with ffmpeg, served by bin/source.
# /mux.ts?program=101 and ?program=102 are each a valid SPTS (ffprobe: one program, its streams;
# tsinfo and dvbinfo, independent parsers: the PAT lists that program alone, every PAT and PMT CRC
# is right; no CC error; 200 frames decode), start with the filtered PAT, PMT and a keyframe, and share the one
# upstream connection of /mux.ts. A configured "program" resource gives the same, and so does an
# on-demand stream whose first viewer asks for a program. Bad requests:
# a malformed ?program= (400), a program not in the PAT (404), no PAT yet (503). The source
# restarting with other PIDs: the viewer's output follows, and its PAT version changes. Strip rules
# on a multiplex given teletext, subtitle, SCTE-35 and data PIDs by test/tools/ts_add_streams.py:
# the removed PIDs are absent from the output and from its PMT (rewritten: new version, CRC right);
# an unknown strip rule is a one-line configuration error. Program 101 leaving the multiplex: its
# viewer is closed after `timeout`, ?program=101 answers 404, program 102 carries on. A drain
# closes the viewers of program outputs too.
source "$(dirname "$0")/lib.sh"
BIN=$(realpath "$BIN")  # expect_rejected runs in $T

# make_mpts FILE [FFMPEG OPTIONS...]: 8 s of two programs at 50 frames/s: 101 (video, German and
# English audio) and 102 (video, French audio).
make_mpts() {
    local out=$1; shift
    ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=50 -f lavfi -i sine=f=440:sample_rate=48000 \
        -f lavfi -i testsrc2=size=320x240:rate=50 -f lavfi -i sine=f=880:sample_rate=48000 \
        -f lavfi -i sine=f=660:sample_rate=48000 -t 8 -map 0:v -map 1:a -map 2:v -map 3:a -map 4:a \
        -c:v libx264 -preset ultrafast -g 50 -b:v 400k -c:a aac -b:a 48k \
        -metadata:s:a:0 language=deu -metadata:s:a:1 language=fra -metadata:s:a:2 language=eng \
        -program title=A:program_num=101:st=0:st=1:st=4 -program title=B:program_num=102:st=2:st=3 "$@" "$out"
}

# program_streams FILE: "program_num: pid pid ..." for each program ffprobe finds.
program_streams() {
    ffprobe -v error -show_programs -show_entries program=program_num:stream=id -of flat "$1" |
        awk -F'[.=]' '$1 == "programs" && $4 == "program_num" {if (line) print line; line=$5":"}
                      $1 == "programs" && $7 == "id" {gsub(/"/, "", $8); line=line" "$8} END {print line}'
}

# expect_spts FILE PROGRAM "PIDS": one program, with exactly these streams; tsinfo finds one program
# in the PAT and no CRC error in 5 PATs and PMTs; no CC error; 200 frames decode without error.
expect_spts() {
    local file=$1 program=$2 pids=$3 streams report frames
    streams=$(program_streams "$file")
    [[ $streams == "$program: $pids" ]] || fail "$file: ffprobe finds '$streams', expected '$program: $pids'"
    # dvbinfo (libdvbpsi) checks the CRC_32 of every PAT and PMT section in the file.
    report=$(dvbinfo -d error -f "$file" 2>&1 | grep -a "Error" || true)
    [[ -z $report ]] || { echo "$report" | head -5; fail "$file: dvbinfo reports errors"; }
    report=$(tsinfo "$file" 2>&1)
    [[ $(grep -c -- "^ *Program [0-9]* -> PID" <<<"$report") == 1 ]] || { echo "$report" | head -20; fail "$file: PAT does not list one program"; }
    grep -q "Program $program -> PID" <<<"$report" || fail "$file: PAT does not list program $program"
    "$BIN/ts_check" "$file" || fail "$file has CC errors or is not aligned"
    expect_decodes "$file" 200
    # Quiet: the capture ends mid-picture, which the last frame shows.
    frames=$(ffprobe -v quiet -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$file" | awk "NR == 1")
    (( frames >= 200 )) || fail "$file: only $frames frames"
    echo "$file: program $program, streams $pids, $frames frames, PAT/PMT CRCs and CC clean"
}

# expect_fast_start FILE PMT_PID VIDEO_PID: the capture opens with PAT, PMT and a keyframe.
expect_fast_start() {
    local head
    head=$("$BIN/ts_check" --head 3 "$1" | cut -d' ' -f1-3 | tr '\n' ' ')
    [[ $head == "pid=0 pusi=1 rai=0 pid=$2 pusi=1 rai=0 pid=$3 pusi=1 rai=1 " ]] ||
        fail "$1 does not start with PAT, PMT $2 and a keyframe on $3: $head"
}

# pat_versions FILE: the version_number of each PAT section in the file, one a line, repeats folded.
pat_versions() {
    python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
last = None
for at in range(0, len(data) - 187, 188):
    p = data[at:at + 188]
    if ((p[1] & 0x1F) << 8 | p[2]) == 0 and p[1] & 0x40:
        version = (p[5 + p[4] + 5] >> 1) & 0x1F
        if version != last: print(version)
        last = version' "$1"
}

# pids_in FILE: the PIDs the file carries, sorted, in hex.
pids_in() {
    python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
print(" ".join(hex(p) for p in sorted({(data[i + 1] & 0x1F) << 8 | data[i + 2] for i in range(0, len(data) - 187, 188)})))' "$1"
}

make_mpts "$T/mpts.ts"
start_source src "$T/mpts.ts"
SRC_PID=$LAST_PID SRC_PORT=$SOURCE_PORT
MUX="http://127.0.0.1:$SRC_PORT/stream.ts"
start_source src2 "$T/mpts.ts"
python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
out = b"".join(data[i:i + 188] for i in range(0, len(data), 188) if ((data[i + 1] & 0x1F) << 8 | data[i + 2]) != 0)
open(sys.argv[2], "wb").write(out)' "$T/mpts.ts" "$T/nopat.ts"
start_source nopat "$T/nopat.ts"
NOPAT_PORT=$SOURCE_PORT
python3 "$(dirname "$0")/../tools/ts_add_streams.py" "$T/mpts.ts" "$T/extra.ts" 0x1000
start_source extra "$T/extra.ts"
EXTRA="http://127.0.0.1:$SOURCE_PORT/stream.ts"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, "draindeadline": 1,
  "resources": [ { "type": "stream", "serve": "/mux.ts", "remote": "$MUX" },
                 { "type": "stream", "serve": "/b.ts", "program": 102, "remote": "http://127.0.0.1:$(listening_port "$T/src2.log")/stream.ts" },
                 { "type": "stream", "serve": "/nopat.ts", "remote": "http://127.0.0.1:$NOPAT_PORT/stream.ts" },
                 { "type": "stream", "serve": "/extra.ts", "remote": "$EXTRA" },
                 { "type": "stream", "serve": "/od.ts", "remote": "$MUX", "ondemand": true },
                 { "type": "stream", "serve": "/strip.ts", "remote": "$EXTRA", "program": 101,
                   "strip": ["teletext", "subtitles", "data", "scte35"], "audio": ["DEU"] },
                 { "type": "stream", "serve": "/deny.ts", "remote": "$EXTRA", "program": 101, "pids": {"deny": [288, 290]} },
                 { "type": "stream", "serve": "/allow.ts", "remote": "$EXTRA", "pids": {"allow": [256, 260]} },
                 { "type": "api", "serve": "/metrics", "api": "prometheus" } ] }
JSON
start_server "$T/server.json"
for path in /mux.ts /b.ts /nopat.ts /extra.ts /strip.ts /deny.ts /allow.ts; do wait_until 10 stream_connected $path || fail "$path never connected"; done

log "two programs and the whole multiplex at once, from one upstream connection"
sleep 1.5  # mid-GOP: the fast start must go back to the keyframe
URL="http://127.0.0.1:$SERVER_PORT"
capture "$URL/mux.ts?program=101" 7 "$T/p101.ts" & c1=$!
capture "$URL/mux.ts?program=102" 7 "$T/p102.ts" & c2=$!
capture "$URL/mux.ts" 7 "$T/all.ts" & c3=$!
capture "$URL/b.ts" 7 "$T/b.ts" & c4=$!
wait $c1 $c2 $c3 $c4
expect_spts "$T/p101.ts" 101 "0x100 0x101 0x104"
expect_spts "$T/p102.ts" 102 "0x102 0x103"
expect_spts "$T/b.ts" 102 "0x102 0x103"
expect_fast_start "$T/p101.ts" 4096 256
expect_fast_start "$T/p102.ts" 4097 258
expect_fast_start "$T/b.ts" 4097 258
[[ $(program_streams "$T/all.ts" | wc -l) == 2 ]] || fail "the unfiltered output lost a program"
connections=$(grep -c "event=client_connected" "$T/src.log")
(( connections == 1 )) || fail "$connections upstream connections for /mux.ts and its two programs, expected 1"
echo "one upstream connection served /mux.ts, ?program=101 and ?program=102"
grep -q 'event=program_found stream="/mux.ts?program=101" program=101 pmt_pid=4096' "$T/server.log" || fail "no program_found line"
# Each program output is a row of the metrics: its viewers, the program's input rate, what it dropped.
metric() { curl -s -m 3 "$URL/metrics" | awk -v key="$1{stream=\"$2\"}" '$1 == key {print $2}'; }
for row in "/mux.ts?program=101" "/mux.ts?program=102"; do
    dropped=$(metric restreamer_program_dropped_packets_total "$row") pids=$(metric restreamer_program_dropped_pids "$row")
    bitrate=$(metric restreamer_input_bitrate "$row") all=$(metric restreamer_input_bitrate /mux.ts)
    echo "$row: dropped $dropped packets of $pids PIDs; input $bitrate of $all bit/s"
    [[ $dropped =~ ^[0-9]+$ ]] && (( dropped > 1000 && pids >= 2 )) || fail "$row: dropped packets not counted ($dropped, $pids PIDs)"
    (( bitrate > 0 && bitrate < all )) || fail "$row: input bitrate $bitrate is not the program's share of $all"
done

log "bad requests"
[[ $(http_status "$URL/mux.ts?program=abc") == 400 ]] || fail "a malformed ?program= is not 400"
body=$(curl -s -m 3 "$URL/mux.ts?program=abc")
[[ $body == 'bad ?program=: program number "abc" is not a number from 1 to 65535' ]] || fail "400 body: $body"
[[ $(http_status "$URL/mux.ts?program=0") == 400 ]] || fail "?program=0 is not 400"
body=$(curl -s -m 3 -w ' %{http_code}' "$URL/mux.ts?program=999")
[[ $body == "program 999 is not in the upstream's PAT (programs: 101,102) 404" ]] || fail "program 999: $body"
body=$(curl -s -m 5 -w ' %{http_code}' "$URL/nopat.ts?program=101")
[[ $body == "no PAT from the upstream yet 503" ]] || fail "no PAT: $body"
grep -q 'event=client_refused stream=/mux.ts client=.* reason="program 999 is not in' "$T/server.log" || fail "404 not logged"

log "on demand: the first viewer of a program opens the upstream and starts at that program's keyframe"
capture "$URL/od.ts?program=102" 4 "$T/od.ts"
[[ $(program_streams "$T/od.ts") == "102: 0x102 0x103" ]] || fail "/od.ts?program=102 has '$(program_streams "$T/od.ts")'"
expect_fast_start "$T/od.ts" 4097 258

log "strip rules"
captures=()
for name in extra strip deny allow; do capture "$URL/$name.ts" 6 "$T/$name.cap" & captures+=($!); done
wait "${captures[@]}"
streams=$(program_streams "$T/extra.cap" | head -1)
[[ $streams == "101: 0x100 0x101 0x104 0x120 0x121 0x122 0x123" ]] || fail "the test multiplex has '$streams'"
expect_spts "$T/strip.cap" 101 "0x100 0x101"
[[ $(pids_in "$T/strip.cap") == "0x0 0x11 0x100 0x101 0x1000" ]] || fail "/strip.ts carries PIDs $(pids_in "$T/strip.cap")"
tsinfo "$T/strip.cap" | grep -q "Program 101, version 1," || fail "the rewritten PMT keeps the source's version"
[[ $(program_streams "$T/deny.cap") == "101: 0x100 0x101 0x104 0x121 0x123" ]] || fail "/deny.ts: $(program_streams "$T/deny.cap")"
[[ $(pids_in "$T/deny.cap") == "0x0 0x11 0x100 0x101 0x104 0x121 0x123 0x1000" ]] || fail "/deny.ts carries $(pids_in "$T/deny.cap")"
[[ $(program_streams "$T/allow.cap") == "101: 0x100 0x104" ]] || fail "/allow.ts: $(program_streams "$T/allow.cap")"
[[ $(pids_in "$T/allow.cap") == "0x0 0x11 0x100 0x104 0x1000" ]] || fail "/allow.ts carries $(pids_in "$T/allow.cap")"
echo "strip rules: /strip.ts $(pids_in "$T/strip.cap"); /deny.ts $(pids_in "$T/deny.cap"); /allow.ts $(pids_in "$T/allow.cap")"
cat >"$T/badstrip.json" <<JSON
{ "resources": [ { "type": "stream", "serve": "/s.ts", "remote": "$EXTRA", "strip": ["teletext", "video"] } ] }
JSON
(cd "$T" && expect_rejected badstrip.json \
    'badstrip.json: resources[0].strip[1]: unknown strip rule "video" (expected teletext, subtitles, data, scte35)')

log "the source restarts with other PIDs: the viewer's output follows, its PAT version changes"
make_mpts "$T/moved.ts" -mpegts_pmt_start_pid 0x1200 -mpegts_start_pid 0x300
capture "$URL/mux.ts?program=101" 9 "$T/across.ts" & c1=$!
sleep 2
kill "$SRC_PID"
"$BIN/source" --listen "127.0.0.1:$SRC_PORT" "$T/moved.ts" 2>"$T/moved.log" & PIDS+=($!) MOVED_PID=$!
wait_until 10 grep -q "event=listening" "$T/moved.log" || { cat "$T/moved.log"; fail "the source did not restart on port $SRC_PORT"; }
wait $c1
versions=$(pat_versions "$T/across.ts" | tr '\n' ' ')
echo "PAT versions seen by the viewer: $versions"
[[ $(wc -w <<<"$versions") == 2 ]] || fail "the PAT version did not change once: $versions"
"$BIN/ts_check" "$T/across.ts" || fail "the output across the restart has CC errors"
# From the output's first PAT that names the new PMT PID (0x1200) on: program 101 with the new PIDs.
python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\x00\x65\xf2\x00")
if start < 0: sys.exit("the new PMT PID is not in the output PAT")
open(sys.argv[2], "wb").write(data[start - start % 188:])' "$T/across.ts" "$T/after.ts" || fail "the output did not follow the new PAT"
streams=$(program_streams "$T/after.ts")
[[ $streams == "101: 0x300 0x301 0x304" ]] || fail "after the restart ffprobe finds '$streams'"
expect_decodes "$T/after.ts" 200
grep -q 'event=program_found stream="/mux.ts?program=101" program=101 pmt_pid=4608' "$T/server.log" || fail "no program_found line for the new PMT PID"

log "program 101 leaves the multiplex: its viewer gets nothing new and is closed after timeout (2 s)"
ffmpeg -v error -y -i "$T/moved.ts" -map 0:p:102 -c copy -program program_num=102:st=0:st=1 "$T/only102.ts"
joined='event=client_connected stream="/mux.ts?program=101"'
viewers=$(grep -c "$joined" "$T/server.log")
curl -s -m 20 -o "$T/gone.ts" "$URL/mux.ts?program=101" & viewer=$!
wait_until 10 log_count_at_least $((viewers + 1)) "$joined" || fail "viewer did not connect"
kill "$MOVED_PID"
"$BIN/source" --listen "127.0.0.1:$SRC_PORT" "$T/only102.ts" 2>"$T/only102.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/only102.log" || fail "the source did not restart with program 102 alone"
closed='event=client_disconnected stream="/mux.ts?program=101" .*reason="program 101 left the upstream.s PAT 2 s ago"'
wait_until 12 log_count_at_least 1 "$closed" || { grep -F "program=101" "$T/server.log" | tail -8; fail "the viewer of program 101 was not closed"; }
wait $viewer || true
grep -q 'event=program_gone stream="/mux.ts?program=101" reason="program 101 is not in the upstream.s PAT (programs: 102)"' "$T/server.log" ||
    fail "no program_gone line"
body=$(curl -s -m 5 -w ' %{http_code}' "$URL/mux.ts?program=101")
[[ $body == "program 101 is not in the upstream's PAT (programs: 102) 404" ]] || fail "program 101 after it left: $body"
capture "$URL/mux.ts?program=102" 3 "$T/still102.ts"
streams=$(program_streams "$T/still102.ts")
[[ $streams =~ ^102:\ 0x[0-9a-f]+\ 0x[0-9a-f]+$ ]] || fail "program 102 did not carry on: '$streams'"

log "a drain closes the viewers of program outputs at its deadline; SIGTERM then exits at once"
joined='event=client_connected stream="/mux.ts?program=102"'
viewers=$(grep -c "$joined" "$T/server.log")
curl -s -m 30 -o /dev/null "$URL/mux.ts?program=102" & viewer=$!
wait_until 10 log_count_at_least $((viewers + 1)) "$joined" || fail "viewer did not connect"
kill -USR1 "$SERVER_PID"
wait_until 5 grep -q 'event=client_disconnected stream="/mux.ts?program=102" .*reason="server draining"' "$T/server.log" ||
    fail "the drain did not close the program viewer"
wait $viewer || true
start=$(date +%s%N)
kill -TERM "$SERVER_PID"
rc=0; wait "$SERVER_PID" || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "server exited with $rc after $ms ms"
(( rc == 0 && ms < 5000 )) || fail "shutdown: exit $rc after $ms ms"
