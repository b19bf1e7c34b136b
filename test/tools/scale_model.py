#!/usr/bin/python3
"""scale_model.py - docs/scale.md's model: viewers of a Zipf-popular lineup behind HAProxy's
`balance uri` + `hash-type consistent` + `hash-balance-factor`, simulated viewer by viewer.

For each edge count it prints the viewers per edge (max, mean), the (edge, channel) pairs with
viewers, which are the origin connections an on-demand edge opens, and the edges the most popular
channel spreads over. Usage: scale_model.py [VIEWERS] [CHANNELS] [ZIPF_S] [BALANCE_FACTOR] EDGES...
(default 100000 300 1.0 150 25 50 100 200). Deterministic (fixed seeds).
"""
import bisect
import hashlib
import random
import sys

POINTS_PER_EDGE = 100  # virtual nodes on the ring, like HAProxy's per-weight points


def h(text):
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


def simulate(viewers, channels, s, factor, edges):
    ring = sorted((h("edge%d-%d" % (e, p)), e) for e in range(edges) for p in range(POINTS_PER_EDGE))
    keys = [k for k, _ in ring]
    weights = [1.0 / (i + 1) ** s for i in range(channels)]
    rng = random.Random(1)
    watch = rng.choices(range(channels), weights=weights, k=viewers)
    load = [0] * edges
    pairs = set()
    for n, c in enumerate(watch, 1):
        # HAProxy's bounded load: an edge is skipped while it holds more than factor% of the mean
        # (the mean over the viewers placed, this one included).
        cap = max(1, (n * factor + 100 * edges - 1) // (100 * edges))
        i = bisect.bisect(keys, h("/ch%d.ts" % c)) % len(ring)
        while load[ring[i][1]] >= cap:
            i = (i + 1) % len(ring)
        e = ring[i][1]
        load[e] += 1
        pairs.add((e, c))
    top = len({e for e, c in pairs if c == 0})
    return max(load), viewers / edges, len(pairs), len(set(watch)), top


def main(argv):
    viewers, channels = int(argv[0]) if argv else 100000, int(argv[1]) if len(argv) > 1 else 300
    s = float(argv[2]) if len(argv) > 2 else 1.0
    factor = int(argv[3]) if len(argv) > 3 else 150
    edge_counts = [int(a) for a in argv[4:]] or [25, 50, 100, 200]
    print("viewers=%d channels=%d zipf_s=%.2f hash-balance-factor=%d" % (viewers, channels, s, factor))
    print("edges  max/edge  mean/edge  origin_connections  watched_channels  edges_of_top_channel")
    for edges in edge_counts:
        most, mean, pairs, watched, top = simulate(viewers, channels, s, factor, edges)
        print("%5d  %8d  %9.0f  %18d  %16d  %20d" % (edges, most, mean, pairs, watched, top))


if __name__ == "__main__":
    main(sys.argv[1:])
