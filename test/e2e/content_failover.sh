#!/usr/bin/env bash
# Content-aware failover and failback ("failover", "order": "listed", "failback"): a primary that
# keeps its connection but loses its video PID is left for the backup within `after` + 1 s, make
# before break: the viewer sees no CC error and the video resumes at a keyframe; once the primary
# has video again, the stream fails back to it. Each switch is one log line and counted in metrics.
# The notifications failover and failback reach their target, naming the stream. A command
# (fork://), which cannot run twice at once, is ended first: break before make.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$ROOT/test/tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake http server did not start"
fake="http://127.0.0.1:$(listening_port "$T/fake.log")"
start_source src "$SAMPLE"
# The primary: bin/source's stream through ts_faults.py, which drops the video PID (0x100) while
# $T/fault-primary says no_video, served raw over TCP.
echo none >"$T/fault-primary"
feed_pipe primary bash -c 'python3 "$0" "$1" | "$2" tcp-listen 127.0.0.1:0' "$ROOT/test/tools/ts_faults.py" "$T/fault-primary" "$BIN/ts_pipe"
primary=tcp://127.0.0.1:$PIPE_PORT
start_source backup "$SAMPLE"
backup=http://127.0.0.1:$SOURCE_PORT/stream.ts
# The same gate in a command: fork://.../bin/sh?-c+SCRIPT, the script percent-encoded.
# The same faults in a command (lib.sh's faulty_feeder, on the backup's bin/source): $FAULT_FILE.
faulty_feeder
fork="fork://$T/faulty.sh"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 5,
  "notifications": [ { "event": "failover", "type": "url", "url": "$fake/record/switch?site=a" },
                     { "event": "failback", "type": "url", "url": "$fake/record/back" } ],
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remotes": [ "$primary", "$backup" ], "order": "listed",
      "failover": { "require_video": true, "after": 2 }, "failback": 3 },
    { "type": "stream", "serve": "/fork.ts", "remotes": [ "$fork", "$backup" ], "order": "listed",
      "failover": { "require_video": true, "after": 2 } },
    { "type": "api", "api": "prometheus", "serve": "/metrics" } ] }
JSON
start_server "$T/server.json"
wait_until 10 grep -q "event=upstream_connected stream=/tv.ts remote=$primary" "$T/server.log" ||
    fail "not connected to the primary first (order listed)"
curl -s -m 30 -o "$T/viewer.ts" "http://127.0.0.1:$SERVER_PORT/tv.ts" &
viewer=$!
PIDS+=($viewer)
sleep 2

log "the primary loses its video: failover within after (2 s) + 1 s"
echo no_video >"$T/fault-primary"
lost=$(date +%s%N)
wait_until 6 grep -q "event=upstream_failover" "$T/server.log" || { tail -5 "$T/server.log"; fail "no failover"; }
took=$(( ($(date +%s%N) - lost) / 1000000 ))
grep "event=upstream_failover" "$T/server.log"
echo "failover logged $took ms after the video stopped"
(( took <= 3000 )) || fail "failover took $took ms (after 2 s + 1 s)"
grep -q "event=upstream_failover stream=/tv.ts from=$primary to=$backup reason=\"content: no video packets for 2 s\"" "$T/server.log" ||
    fail "the failover line does not say from, to and why"

log "the primary has video again: failback (probe every 3 s, healthy for 2 s)"
echo none >"$T/fault-primary"
wait_until 12 grep -q "event=upstream_failback" "$T/server.log" || { tail -5 "$T/server.log"; fail "no failback"; }
grep "event=upstream_failback" "$T/server.log"
grep -q "event=upstream_failback stream=/tv.ts from=$backup to=$primary" "$T/server.log" || fail "the failback line"
# metric NAME: its value for /tv.ts.
metric() { curl -s "http://127.0.0.1:$SERVER_PORT/metrics" | sed -n "s|^$1{stream=\"/tv.ts\"} ||p"; }
[[ $(metric restreamer_upstream_failovers_total) == 1 ]] || fail "failovers_total $(metric restreamer_upstream_failovers_total)"
[[ $(metric restreamer_upstream_failbacks_total) == 1 ]] || fail "failbacks_total $(metric restreamer_upstream_failbacks_total)"
wait_until 3 grep -q "event=record .* path=/record/switch?site=a&event=failover&stream=/tv.ts" "$T/fake.log" ||
    { grep "event=record" "$T/fake.log"; fail "no failover notification for /tv.ts"; }
wait_until 3 grep -q "event=record .* path=/record/back?event=failback&stream=/tv.ts" "$T/fake.log" ||
    { grep "event=record" "$T/fake.log"; fail "no failback notification for /tv.ts"; }
sleep 1
kill "$viewer" 2>/dev/null || true
wait "$viewer" 2>/dev/null || true

log "a command loses its video: ended first (break before make), then the backup"
wait_until 10 grep -q "event=upstream_connected stream=/fork.ts remote=fork://" "$T/server.log" || fail "/fork.ts not on its command"
echo no_video >"$FAULT_FILE"
wait_until 6 grep -q "event=upstream_disconnected stream=/fork.ts remote=fork://.* reason=\"content: no video packets for 2 s\"" "$T/server.log" ||
    { grep "/fork.ts" "$T/server.log" | tail -5; fail "the command was not ended for its content"; }
wait_until 6 grep -q "event=upstream_connected stream=/fork.ts remote=$backup" "$T/server.log" || fail "/fork.ts did not go to its backup"
grep -q "event=upstream_candidate stream=/fork.ts" "$T/server.log" && fail "a second connection was opened beside the command"
(( $(grep -c "event=record .*stream=/tv.ts" "$T/fake.log") == 2 )) || fail "not one notification per switch"

log "the viewer: no CC error across both switches; the video came back at a keyframe"
"$BIN/ts_check" "$T/viewer.ts" || true  # the capture ends mid-packet: not aligned
[[ $(ts_figure "$T/viewer.ts" cc_errors) == 0 && $(ts_figure "$T/viewer.ts" sync_errors) == 0 ]] ||
    fail "CC or sync errors in the viewer's stream"
python3 - "$T/viewer.ts" <<'PY' || fail "the video did not resume at a keyframe"
import sys
data = open(sys.argv[1], "rb").read()
since_video, resumed = 0, []
for i in range(0, len(data) - 187, 188):
    p = data[i:i + 188]
    if ((p[1] & 0x1F) << 8 | p[2]) != 0x100:
        since_video += 1
        continue
    if since_video > 100:  # seconds without video: the audio and tables alone, about 90 packets a second
        rai = bool(p[3] & 0x20) and p[4] > 0 and bool(p[5] & 0x40)
        resumed.append((since_video, bool(p[1] & 0x40), rai))
    since_video = 0
print("video resumed after", resumed)
sys.exit(0 if len(resumed) == 1 and resumed[0][1] and resumed[0][2] else 1)
PY
