#!/usr/bin/env bash
# On-demand multicast upstreams, inside two network namespaces joined by a veth pair (never on the
# host's network): no group is joined while nobody watches (ip maddr on the server's interface), the
# first viewer joins it (IPv4 and IPv6) and gets a clean stream, and `linger` after the last viewer
# the group is left, so that a router would stop sending it. Skipped (exit 77) where network
# namespaces cannot be created.
set -euo pipefail
source "$(dirname "$0")/netns.sh"
netns_pair 98 "$@"
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 3, "reconnect": 1, "readtimeout": 3, "ondemand": true, "linger": 1,
  "resources": [ {"type": "stream", "serve": "/v4.ts", "remote": "udp://239.2.2.2:5010?iface=vb"},
                 {"type": "stream", "serve": "/v6.ts", "remote": "udp://[ff15::4343]:5012?iface=vb"} ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
feed_pipe v4 "${NS_A[@]}" "$BIN/ts_pipe" udp-send 239.2.2.2:5010 --iface va
feed_pipe v6 "${NS_A[@]}" "$BIN/ts_pipe" udp-send "[ff15::4343]:5012" --iface va

# joined GROUP: the server's interface is a member of GROUP.
joined() { ip maddr show dev vb | grep -qw "$1"; }

log "idle: no group joined while nobody watches"
sleep 1
ip maddr show dev vb
for group in 239.2.2.2 ff15::4343; do joined "$group" && fail "$group joined before any viewer"; done

for s in v4:239.2.2.2 v6:ff15::4343; do
    name=${s%%:*} group=${s#*:}
    log "/$name.ts: the first viewer joins $group, gets a clean stream, and the group is left after linger"
    curl -s -m 4 -o "$T/$name.ts" "$url/$name.ts" & viewer=$!
    wait_until 5 joined "$group" || fail "$group not joined while /$name.ts is watched"
    ip maddr show dev vb | grep -w "$group"
    wait "$viewer" || true
    "$BIN/ts_check" --head 1 "$T/$name.ts" | grep -q "pid=0 pusi=1" || fail "/$name.ts does not start with a PAT"
    "$BIN/ts_check" "$T/$name.ts" || fail "/$name.ts has CC errors"
    (( $(ts_figure "$T/$name.ts" bytes) > 400000 )) || fail "/$name.ts delivered only $(ts_figure "$T/$name.ts" bytes) bytes"
    wait_until 4 grep -q "event=stream_idle stream=/$name.ts" "$T/server.log" || fail "/$name.ts never went idle"
    wait_until 2 bash -c "! ip maddr show dev vb | grep -qw '$group'" || fail "$group still joined after /$name.ts went idle"
done
grep -E "event=(stream_starting|stream_idle|upstream_connected)" "$T/server.log"
