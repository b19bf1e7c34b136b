#!/usr/bin/python3
"""viewer_sessions.py - reads the sessions of test/e2e/haproxy_edges.sh's retrying viewers.

Each viewer's sessions are DIR/v/ID.SEQ.ts (the first bytes it got), DIR/v/ID.SEQ.t0 (the time of its
first byte, ns) and, once a session ended, a line "ID SEQ START_NS END_NS HTTP_CODE" in DIR/sessions.
A session plays when its first byte is a TS sync byte (a 503 body does not start with 0x47).

  ended DIR SINCE_NS           the number of sessions that ended at or after SINCE_NS
  reconnected DIR SINCE_NS MIN each session that ended at or after SINCE_NS is followed by a session of
                               the same viewer that plays; prints "ended= playing_again= max_gap_s=
                               median_gap_s=" (gap: its end to the next first byte); exit 0 when at least
                               MIN ended and every one of them plays again
"""
import os
import sys


def ended_since(folder, since):
    ended = []
    path = os.path.join(folder, "sessions")
    if not os.path.exists(path):
        return ended
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 5 and int(fields[3]) >= since:
                ended.append((fields[0], int(fields[1]), int(fields[3])))
    return ended


def first_play_after(folder, viewer, seq):
    """The first byte time of the viewer's first playing session after SEQ, or None."""
    later = []
    prefix = viewer + "."
    for name in os.listdir(os.path.join(folder, "v")):
        if name.startswith(prefix) and name.endswith(".t0"):
            n = int(name[len(prefix):-3])
            if n > seq:
                later.append(n)
    for n in sorted(later):
        base = os.path.join(folder, "v", "%s.%d" % (viewer, n))
        try:
            with open(base + ".ts", "rb") as ts, open(base + ".t0") as t0:
                if ts.read(1) == b"\x47":
                    return int(t0.read().strip())
        except (OSError, ValueError):
            return None  # being written
    return None


def main():
    command, folder, since = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ended = ended_since(folder, since)
    if command == "ended":
        print(len(ended))
        return 0
    gaps = []
    for viewer, seq, end in ended:
        t = first_play_after(folder, viewer, seq)
        if t is not None:
            gaps.append(max(0, t - end) / 1e9)
    gaps.sort()
    median = gaps[len(gaps) // 2] if gaps else 0
    print("ended=%d playing_again=%d max_gap_s=%.2f median_gap_s=%.2f" %
          (len(ended), len(gaps), gaps[-1] if gaps else 0, median))
    return 0 if len(ended) >= int(sys.argv[4]) and len(gaps) == len(ended) else 1


if __name__ == "__main__":
    sys.exit(main())
