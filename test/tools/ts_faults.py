#!/usr/bin/env python3
"""ts_faults.py - a misbehaving upstream for tests: copies TS from stdin to stdout and breaks it the way
the file named on the command line says, re-read every chunk, so that a test switches faults live:
  none        copy unchanged
  drop_audio  drop every 10th packet of PID 0x101 (continuity count errors)
  no_pat      drop every packet of PID 0 (PAT error)
  sync        corrupt the sync byte of every 100th packet (sync byte errors, sync losses)
  no_video    drop every packet of PID 0x100 (PID error; the PCR PID too: PCR errors)
usage: ts_faults.py FAULT_FILE < TS > TS"""
import os
import sys

PACKET = 188


def fault_now(path):
    try:
        with open(path) as f:
            return f.read().strip() or "none"
    except FileNotFoundError:
        return "none"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    pending = b""
    counts = {}
    while True:
        data = source.read1(PACKET * 50)
        if not data:
            return
        pending += data
        whole = len(pending) - len(pending) % PACKET
        fault = fault_now(sys.argv[1])
        out = bytearray()
        for pos in range(0, whole, PACKET):
            packet = bytearray(pending[pos:pos + PACKET])
            pid = ((packet[1] & 0x1F) << 8) | packet[2]
            counts[pid] = counts.get(pid, 0) + 1
            total = counts.setdefault("all", 0) + 1
            counts["all"] = total
            if fault == "drop_audio" and pid == 0x101 and counts[pid] % 10 == 0:
                continue
            if (fault == "no_pat" and pid == 0) or (fault == "no_video" and pid == 0x100):
                continue
            if fault == "sync" and total % 100 == 0:
                packet[0] = 0x48
            out += packet
        pending = pending[whole:]
        try:
            sink.write(out)
            sink.flush()
        except BrokenPipeError:
            os._exit(0)


if __name__ == "__main__":
    main()
