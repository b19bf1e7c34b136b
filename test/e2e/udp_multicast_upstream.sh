#!/usr/bin/env bash
# udp:// multicast upstreams, inside two network namespaces joined by a veth pair (never on the host's
# network): an IPv4 group joined by route, an IPv6 group on a named interface, and a source-specific
# group that ignores a second sender to the same group and port. Each reaches viewers whole and gapless.
# Skipped (exit 77) where network namespaces cannot be created.
set -euo pipefail
source "$(dirname "$0")/netns.sh"
netns_pair 99 "$@"
source "$(dirname "$0")/lib.sh"
# Only the IPv4 group is joined without naming an interface: the kernel finds it by this route.
ip route add 224.0.0.0/4 dev vb
start_source src "$SAMPLE"
write_config "$T/server.json" "" \
    /v4.ts "udp://239.1.1.1:5000" /v6.ts "udp://[ff15::4242]:5002?iface=vb" \
    /ssm.ts "udp://232.1.1.1:5004?iface=vb&source=10.99.0.1"
start_server "$T/server.json"
feed_pipe v4 "${NS_A[@]}" "$BIN/ts_pipe" udp-send 239.1.1.1:5000 --iface va
feed_pipe v6 "${NS_A[@]}" "$BIN/ts_pipe" udp-send "[ff15::4242]:5002" --iface va
feed_pipe ssm "${NS_A[@]}" "$BIN/ts_pipe" udp-send 232.1.1.1:5004 --iface va --bind 10.99.0.1
# Same group and port from another source: a receiver that let it in would see counters jump.
feed_pipe intruder "${NS_A[@]}" "$BIN/ts_pipe" udp-send 232.1.1.1:5004 --iface va --bind 10.99.0.3 --rtp
expect_streams_deliver "v4 v6 ssm" 600000
