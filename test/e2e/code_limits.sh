#!/usr/bin/env bash
# The code's size rules hold: no file in common/, server/, source/ over 400 lines, no function over
# 80 (test/tools/code_limits.py). And the checker itself catches a breach.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
python3 test/tools/code_limits.py common server source || fail "code limits broken"
mkdir -p "$T/long"
{ echo "int f() {"; for i in $(seq 81); do echo "    ++x;"; done; echo "}"; } >"$T/long/f.cpp"
python3 test/tools/code_limits.py "$T/long" >/dev/null && fail "an 83-line function passed the checker"
echo PASS
