# netns.sh - for e2e tests that need multicast or a second host: netns_pair re-runs the calling
# test inside the second of two network namespaces joined by a veth pair, so that nothing reaches
# the host's network, and removes both namespaces afterwards. Exits 77 (skipped) where namespaces
# cannot be created.
#
#   source "$(dirname "$0")/netns.sh"
#   netns_pair 97 "$@"   # returns only inside; NS_A runs a command on the other side
#
# Side a (the senders): va with 10.N.0.1/24, 10.N.0.3/24 (a second source) and fdN::1/64.
# Side b (the server):  vb with 10.N.0.2/24 and fdN::2/64. No DAD: the IPv6 addresses work at once.

netns_pair() {
    local net=$1; shift
    if [[ ${1:-} == --inside ]]; then
        NS_A=(ip netns exec "$2a")  # ip execs the command, so $! is the command itself
        return 0
    fi
    local ns=rs-$net-$$ side rc=0
    command -v ip >/dev/null || { echo "skipped: no ip command (iproute2)"; exit 77; }
    ip netns add "${ns}a" 2>/dev/null || { echo "skipped: cannot create a network namespace (needs root)"; exit 77; }
    trap 'ip netns del "${ns}a" 2>/dev/null; ip netns del "${ns}b" 2>/dev/null || true' EXIT
    ip netns add "${ns}b"
    for side in a b; do
        ip netns exec "$ns$side" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
        ip -n "$ns$side" link set lo up
    done
    ip link add va netns "${ns}a" type veth peer name vb netns "${ns}b"
    ip -n "${ns}a" addr add "10.$net.0.1/24" dev va
    ip -n "${ns}a" addr add "10.$net.0.3/24" dev va
    ip -n "${ns}a" addr add "fd$net::1/64" dev va nodad
    ip -n "${ns}b" addr add "10.$net.0.2/24" dev vb
    ip -n "${ns}b" addr add "fd$net::2/64" dev vb nodad
    ip -n "${ns}a" link set va up
    ip -n "${ns}b" link set vb up
    ip netns exec "${ns}b" bash "$0" --inside "$ns" || rc=$?
    exit $rc
}
