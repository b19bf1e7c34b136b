#!/usr/bin/env bash
# The multicast relay answers udpxy's and msd_lite's URLs, inside two network namespaces joined by a
# veth pair (never on the host's network): /udp/GROUP:PORT, /rtp/GROUP:PORT (RTP removed),
# /udp/SOURCE@GROUP:PORT (source-specific: a second sender is ignored), /udp/[IPv6]:PORT, each a
# clean stream from PAT; two viewers of one group share one join; 403 outside `groups`, 400 for a
# malformed URL, 503 past `maxgroups` (a group that only lingers makes room); `linger` after the
# last viewer the group is left and forgotten; the relay's allow list applies; exact paths win over
# the relay's prefix; a reload keeps the groups' viewers. Skipped (exit 77) where network namespaces
# cannot be created.
set -euo pipefail
source "$(dirname "$0")/netns.sh"
netns_pair 97 "$@"
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 3, "reconnect": 1, "readtimeout": 3,
  "resources": [
    {"type": "relay", "serve": "/", "groups": ["239.3.0.0/16", "232.0.0.0/8", "ff15::/16"], "iface": "vb",
     "maxgroups": 2, "linger": 1},
    {"type": "relay", "serve": "/lan/", "groups": ["239.0.0.0/8"], "iface": "vb", "allow": ["10.0.0.0/8"]},
    {"type": "api", "serve": "/streams.json", "api": "streams"} ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
feed_pipe plain "${NS_A[@]}" "$BIN/ts_pipe" udp-send 239.3.3.3:5010 --iface va
feed_pipe rtp "${NS_A[@]}" "$BIN/ts_pipe" udp-send 239.3.3.4:5011 --iface va --rtp
feed_pipe v6 "${NS_A[@]}" "$BIN/ts_pipe" udp-send "[ff15::3]:5012" --iface va
feed_pipe ssm "${NS_A[@]}" "$BIN/ts_pipe" udp-send 232.3.3.3:5020 --iface va --bind 10.97.0.1
# Same group and port from another source: a relay that let it in would show counters jump.
feed_pipe intruder "${NS_A[@]}" "$BIN/ts_pipe" udp-send 232.3.3.3:5020 --iface va --bind 10.97.0.3 --rtp

joined() { ip maddr show dev vb | grep -qw "$1"; }
# expect_clean FILE MIN_BYTES: starts with a PAT, whole packets, no CC gap, at least MIN_BYTES.
expect_clean() {
    "$BIN/ts_check" --head 1 "$1" | grep -q "pid=0 pusi=1" || fail "$1 does not start with a PAT"
    "$BIN/ts_check" "$1" || fail "$1 has CC errors or is not whole packets"
    (( $(ts_figure "$1" bytes) >= $2 )) || fail "$1 has only $(ts_figure "$1" bytes) bytes"
}
# status_and_body URL: "CODE BODY" of a GET (3 s).
status_and_body() { curl -s -m 3 -w ' %{http_code}' "$1" | awk '{code=$NF; $NF=""; sub(/ $/, ""); print code " " $0}'; }

log "malformed URLs get 400 with the reason, groups outside the list 403, exact paths win over the prefix"
[[ $(status_and_body "$url/udp/238.1.1.1:5000") == "403 group 238.1.1.1 not allowed" ]] || fail "outside groups: $(status_and_body "$url/udp/238.1.1.1:5000")"
[[ $(status_and_body "$url/udp/239.3.3.3:99999") == '400 bad port "99999"' ]] || fail "bad port: $(status_and_body "$url/udp/239.3.3.3:99999")"
[[ $(status_and_body "$url/tv.ts") == "400 expected /udp/GROUP:PORT or /rtp/GROUP:PORT" ]] || fail "not a relay URL: $(status_and_body "$url/tv.ts")"
[[ $(status_and_body "$url/udp/239.3.3.3:5010?iface=eth9") == "400 iface not allowed on this relay" ]] || fail "iface override allowed"
[[ $(http_status "$url/lan/udp/239.3.3.3:5010") == 403 ]] || fail "the /lan/ relay's allow list let 127.0.0.1 in"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$url/streams.json") == 200 ]] || fail "an exact path under the relay's prefix is not served"
sleep 0.5
joined 239.3.3.3 && fail "a refused request joined the group"

log "two viewers of one group share one join; udp, rtp, SSM and IPv6 forms are clean streams"
capture "$url/udp/239.3.3.3:5010" 4 "$T/plain1.ts" & a=$!
capture "$url/rtp/239.3.3.3:5010/channel-name" 4 "$T/plain2.ts" & b=$!
wait_until 3 joined 239.3.3.3 || fail "239.3.3.3 not joined while watched"
curl -s "$url/streams.json" | grep -q '"path":"/udp/239.3.3.3:5010"' || fail "the group is not in the streams API"
wait $a $b
expect_clean "$T/plain1.ts" 250000
expect_clean "$T/plain2.ts" 250000
(( $(grep -c "event=upstream_opened stream=/udp/239.3.3.3:5010 " "$T/server.log") == 1 )) || fail "two viewers of one group opened it twice"
capture "$url/rtp/239.3.3.4:5011" 4 "$T/rtp.ts"; expect_clean "$T/rtp.ts" 250000
capture "$url/udp/10.97.0.1@232.3.3.3:5020" 4 "$T/ssm.ts"; expect_clean "$T/ssm.ts" 250000
capture "$url/udp/[ff15::3]:5012" 4 "$T/v6.ts"; expect_clean "$T/v6.ts" 250000

log "maxgroups 2: a third group while two are watched gets 503; a lingering group makes room"
# The server notices a viewer that left at its next write: wait until every group only lingers.
no_viewers() { ! curl -s "$url/streams.json" | grep -q '"viewers":[1-9]'; }
wait_until 3 no_viewers || fail "viewers still listed: $(curl -s "$url/streams.json")"
capture "$url/udp/239.3.3.3:5010" 4 "$T/hold1.ts" & a=$!
capture "$url/rtp/239.3.3.4:5011" 4 "$T/hold2.ts" & b=$!
wait_until 3 bash -c "ip maddr show dev vb | grep -qw 239.3.3.3 && ip maddr show dev vb | grep -qw 239.3.3.4" || { ip maddr show dev vb; tail -20 "$T/server.log"; fail "two groups not joined"; }
sleep 0.5
[[ $(status_and_body "$url/udp/[ff15::3]:5012") == "503 too many groups joined (maxgroups 2)" ]] || fail "third group: $(status_and_body "$url/udp/[ff15::3]:5012")"
wait $a $b
wait_until 3 no_viewers || fail "viewers still listed: $(curl -s "$url/streams.json")"
capture "$url/udp/[ff15::3]:5012" 4 "$T/third.ts"  # both others only linger now (linger 1)
expect_clean "$T/third.ts" 100000
grep -q "event=relay_group_closed" "$T/server.log" || fail "no lingering group was closed to make room"

log "linger: the groups are left and forgotten 1 s after their last viewer"
wait_until 4 bash -c "! ip maddr show dev vb | grep -qE '239\.3\.3\.[34]|ff15::3|232\.3\.3\.3'" || { ip maddr show dev vb; fail "groups still joined"; }
wait_until 3 bash -c "[[ \$(curl -s $url/streams.json) == '[]' ]]" || fail "forgotten groups still listed: $(curl -s "$url/streams.json")"
grep -E "event=(stream_starting|stream_idle|relay_group_closed|client_refused)" "$T/server.log"

log "a reload that keeps the relay keeps its groups' viewers"
capture "$url/udp/239.3.3.3:5010" 5 "$T/kept.ts" & a=$!
wait_until 4 joined 239.3.3.3 || fail "239.3.3.3 not joined for the reload viewer"
opened=$(grep -c "event=upstream_opened stream=/udp/239.3.3.3:5010 " "$T/server.log")
kill -HUP "$SERVER_PID"
wait_until 5 grep -q "event=reloaded" "$T/server.log" || fail "no reloaded line"
wait $a
expect_clean "$T/kept.ts" 350000
(( $(grep -c "event=upstream_opened stream=/udp/239.3.3.3:5010 " "$T/server.log") == opened )) || fail "the reload rejoined the group"
