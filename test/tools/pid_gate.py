#!/usr/bin/env python3
"""pid_gate.py PID CONTROL_FILE - copies TS from stdin to stdout, dropping the packets of PID while
CONTROL_FILE exists: an upstream that keeps its connection but loses a PID (its video) on cue.

Test code for test/e2e only.
"""
import os
import sys

PACKET = 188


def main():
    pid, control = int(sys.argv[1], 0), sys.argv[2]
    held = b""
    while True:
        data = os.read(0, 65536)
        if not data:
            return
        held += data
        whole = len(held) - len(held) % PACKET
        chunk, held = held[:whole], held[whole:]
        if os.path.exists(control):
            chunk = b"".join(chunk[i:i + PACKET] for i in range(0, len(chunk), PACKET)
                             if ((chunk[i + 1] & 0x1F) << 8 | chunk[i + 2]) != pid)
        try:
            os.write(1, chunk)
        except BrokenPipeError:
            return


if __name__ == "__main__":
    main()
