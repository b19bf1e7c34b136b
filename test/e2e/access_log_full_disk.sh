#!/usr/bin/env bash
# The JSON access log on a disk that fills up: requests are still answered; the lines lost are
# counted (statistics and prometheus) and reported by one stderr line, not one per request; no torn
# line is left (every line of the file is JSON); once space returns the next request is logged and
# one line says the log recovered and how many lines were lost. The disk is a 256 KiB tmpfs mounted
# in a mount namespace of the test's own, which goes when the test ends. Skipped (exit 77) where a
# mount namespace or a tmpfs cannot be made (not root).
set -euo pipefail
if [[ ${1:-} != --inside ]]; then
    unshare -m true 2>/dev/null || { echo "skipped: cannot create a mount namespace (unshare -m needs root)"; exit 77; }
    # --propagation private: the tmpfs mounted inside is never seen outside.
    exec unshare -m --propagation private bash "$0" --inside
fi

source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call.
PY=$(command -v /usr/bin/python3 || command -v python3)
disk=$T/disk
mkdir "$disk"
mount -t tmpfs -o size=256k,mode=0700 restreamer-test "$disk" 2>"$T/mount.err" ||
    { echo "skipped: cannot mount a tmpfs: $(cat "$T/mount.err")"; exit 77; }
# Lazily, as the server may still hold the log open; then lib.sh's cleanup (which reads the exit
# status from $?) stops the server and removes $T.
unmount_then_cleanup() {
    local rc=$?
    set +e
    umount -l "$disk" 2>/dev/null
    (exit $rc)
    cleanup
}
trap unmount_then_cleanup EXIT

cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "log": "$disk/access.log",
  "resources": [
    { "type": "api", "api": "health", "serve": "/health" },
    { "type": "api", "api": "statistics", "serve": "/statistics" },
    { "type": "api", "api": "prometheus", "serve": "/metrics" } ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
lines() { if [[ -e $disk/access.log ]]; then wc -l <"$disk/access.log"; else echo 0; fi; }
# Each of these is a request, and so an access-log line (or a lost one) of its own.
failures() { curl -sf "$url/statistics" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_log_write_failures"])'; }
metric() { curl -sf "$url/metrics" | sed -n 's/^restreamer_access_log_write_failures_total //p'; }
requests() { local i; for i in $(seq "$1"); do [[ $(http_status "$url$2") == "$3" ]] || fail "$2 did not answer $3"; done; }
# Every line of the log is a JSON object, the last one ends with a newline, the file is UTF-8.
all_json() {
    "$PY" - "$disk/access.log" <<'PY' || fail "the access log holds a torn or invalid line"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "the last line is not terminated: %r" % text[-200:]
lines = text.splitlines()
for number, line in enumerate(lines, 1):
    assert isinstance(json.loads(line), dict), "line %d is not an object" % number
print("%d lines, each a JSON object" % len(lines))
PY
}
warnings() { grep -c "event=access_log_write_failed" "$T/server.log" || true; }
recoveries() { grep -c "event=access_log_recovered" "$T/server.log" || true; }

log "while the disk has room every request is a line"
requests 5 /health 200
(( $(lines) == 5 )) || fail "5 requests but $(lines) lines"
[[ $(failures) == 0 ]] || fail "failures counted before the disk filled"

log "the disk fills: requests are still answered, their lines are lost and counted"
dd if=/dev/zero of="$disk/filler" bs=4k 2>/dev/null || true  # until ENOSPC
df -k "$disk" | tail -1
# The log's last page still has room for some lines: 60 of about 130 bytes cannot all fit in 4 KiB.
requests 60 /health 200
lost1=$(failures)
echo "lost after 60 requests: $lost1"
(( lost1 > 0 )) || fail "no failure counted with the disk full"
requests 20 /health 200
lost2=$(failures)
echo "lost after 20 more: $lost2"
(( lost2 == lost1 + 21 )) || fail "the count went from $lost1 to $lost2 over 21 requests"
metric_value=$(metric)
(( metric_value == lost2 + 1 )) || fail "prometheus counts $metric_value, statistics $lost2 (+1 for the statistics request)"
(( $(warnings) == 1 )) || fail "$(warnings) access_log_write_failed lines, expected one: $(grep access_log "$T/server.log")"
grep "event=access_log_write_failed" "$T/server.log"
grep -q "event=access_log_write_failed file=$disk/access.log lost_lines=1 total_lost=1 reason=\"No space left on device\"" \
    "$T/server.log" || fail "the warning does not name the file, the count and the reason"
all_json

log "space returns: the next request is logged, and one line says how many were lost"
rm "$disk/filler"
lost=$(( metric_value + 1 ))  # the metrics request's own line was lost too
[[ $(http_status "$url/after-the-outage") == 404 ]] || fail "no 404 after the outage"
"$PY" -c 'import json, sys; e = json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(e["path"] != "/after-the-outage")' \
    "$disk/access.log" || fail "the first request after the outage is not the last line: $(tail -1 "$disk/access.log")"
(( $(recoveries) == 1 )) || fail "$(recoveries) access_log_recovered lines, expected one"
grep "event=access_log_recovered" "$T/server.log"
grep -q "event=access_log_recovered file=$disk/access.log lost_lines=$lost total_lost=$lost" "$T/server.log" ||
    fail "the recovery line does not say $lost lines were lost"
[[ $(failures) == "$lost" ]] || fail "the count changed after the recovery"
before=$(lines)
requests 5 /health 200
(( $(lines) == before + 5 )) || fail "requests after the recovery are not all logged"
(( $(warnings) == 1 && $(recoveries) == 1 )) || fail "more stderr lines about the access log after the recovery"
all_json
echo "PASS"
