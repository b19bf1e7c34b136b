#!/usr/bin/env bash
# contrib/prometheus/alerts.yml: promtool accepts the rules, and alerts_test.yml passes with a test
# for every alert; each test catches its alert broken (its expression replaced by one that never fires).
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
rules=contrib/prometheus/alerts.yml
tests=contrib/prometheus/alerts_test.yml
promtool check rules "$rules" || fail "promtool check rules $rules"
promtool test rules "$tests" || fail "promtool test rules $tests"

alerts=$(sed -n 's/^ *- alert: *//p' "$rules")
(( $(wc -w <<<"$alerts") == 6 )) || fail "expected 6 alerts, found: $alerts"
for alert in $alerts; do
    grep -q "alertname: $alert\$" "$tests" || fail "$alert has no test in $tests"
    # The same rules with this alert's expression (one line, or a block) made one that never fires.
    mkdir -p "$T/$alert"
    python3 - "$rules" "$alert" >"$T/$alert/alerts.yml" <<'PY'
import re, sys
lines, alert, out, skip = open(sys.argv[1]).read().split("\n"), sys.argv[2], [], None
current = None
for line in lines:
    m = re.match(r"\s*- alert: (\S+)", line)
    if m:
        current = m.group(1)
    if skip is not None:
        if line.strip() and len(line) - len(line.lstrip()) > skip:
            continue
        skip = None
    m = re.match(r"(\s*)expr:", line)
    if m and current == alert:
        out.append(m.group(1) + "expr: vector(1) == 0")
        skip = len(m.group(1))
        continue
    out.append(line)
print("\n".join(out))
PY
    cp "$tests" "$T/$alert/"
    promtool check rules "$T/$alert/alerts.yml" >/dev/null || fail "the broken copy for $alert is not valid"
    if promtool test rules "$T/$alert/alerts_test.yml" >"$T/$alert/test.log" 2>&1; then
        fail "promtool test rules passed with $alert broken"
    fi
    grep -q "alertname: $alert" "$T/$alert/test.log" || { cat "$T/$alert/test.log"; fail "the failure with $alert broken is not $alert's"; }
    echo "$alert: its test fails when it is broken"
done
echo PASS
