#!/usr/bin/env bash
# udp:// multicast upstreams, inside two network namespaces joined by a veth pair (never on the host's
# network): an IPv4 group joined by route, an IPv6 group on a named interface, and a source-specific
# group that ignores a second sender to the same group and port. Each reaches viewers whole and gapless.
# Skipped (exit 77) where network namespaces cannot be created.
set -euo pipefail
if [[ ${1:-} != --inside ]]; then
    ns=rs-mc-$$
    command -v ip >/dev/null || { echo "skipped: no ip command (iproute2)"; exit 77; }
    ip netns add "${ns}a" 2>/dev/null || { echo "skipped: cannot create a network namespace (needs root)"; exit 77; }
    trap 'ip netns del "${ns}a" 2>/dev/null; ip netns del "${ns}b" 2>/dev/null || true' EXIT
    ip netns add "${ns}b"
    # Sender in a, server in b. No DAD, so the IPv6 addresses can be used at once.
    for side in a b; do
        ip netns exec "$ns$side" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
        ip -n "$ns$side" link set lo up
    done
    ip link add va netns "${ns}a" type veth peer name vb netns "${ns}b"
    ip -n "${ns}a" addr add 10.99.0.1/24 dev va
    ip -n "${ns}a" addr add 10.99.0.3/24 dev va
    ip -n "${ns}a" addr add fd99::1/64 dev va nodad
    ip -n "${ns}b" addr add 10.99.0.2/24 dev vb
    ip -n "${ns}b" addr add fd99::2/64 dev vb nodad
    ip -n "${ns}a" link set va up
    ip -n "${ns}b" link set vb up
    # Only the IPv4 group is joined without naming an interface: the kernel finds it by this route.
    ip -n "${ns}b" route add 224.0.0.0/4 dev vb
    rc=0
    ip netns exec "${ns}b" bash "$0" --inside "$ns" || rc=$?
    exit $rc
fi

ns=$2
source "$(dirname "$0")/lib.sh"
in_a=(ip netns exec "${ns}a")  # the sender side; ip execs the command, so $! is the sender itself
start_source src "$SAMPLE"
write_config "$T/server.json" "" \
    /v4.ts "udp://239.1.1.1:5000" /v6.ts "udp://[ff15::4242]:5002?iface=vb" \
    /ssm.ts "udp://232.1.1.1:5004?iface=vb&source=10.99.0.1"
start_server "$T/server.json"
feed_pipe v4 "${in_a[@]}" "$BIN/ts_pipe" udp-send 239.1.1.1:5000 --iface va
feed_pipe v6 "${in_a[@]}" "$BIN/ts_pipe" udp-send "[ff15::4242]:5002" --iface va
feed_pipe ssm "${in_a[@]}" "$BIN/ts_pipe" udp-send 232.1.1.1:5004 --iface va --bind 10.99.0.1
# Same group and port from another source: a receiver that let it in would see counters jump.
feed_pipe intruder "${in_a[@]}" "$BIN/ts_pipe" udp-send 232.1.1.1:5004 --iface va --bind 10.99.0.3 --rtp
expect_streams_deliver "v4 v6 ssm" 600000
