#!/usr/bin/env bash
# Bad configurations are rejected by --check-config and at start-up with one documented line and
# exit status 2; a good one passes with exit 0; unknown keys, and keys we cannot honour, are warned
# about with their path.
source "$(dirname "$0")/lib.sh"

BIN=$(realpath "$BIN")  # the files below are written in $T, so a relative BIN would point nowhere
shipped_config=$(realpath "$(dirname "$0")/../../server.json")
cd "$T"
printf '{\n  "listen": "127.0.0.1:0"\n  "resources": []\n}\n' >syntax.json
expect_rejected syntax.json "syntax.json:3:3: syntax error: missing a comma or '}' after an object member"

echo '{"timeout": "soon", "resources": []}' >type.json
expect_rejected type.json "type.json: timeout: expected a non-negative integer"

echo '{"resources": [{"type": "stream", "remote": "http://127.0.0.1:1/x.ts"}]}' >noserve.json
expect_rejected noserve.json "noserve.json: resources[0].serve: missing"

echo '{"resources": [{"type": "stream", "serve": "/a.ts", "remote": "rtsp://cam/1"}]}' >scheme.json
expect_rejected scheme.json 'scheme.json: resources[0].remote: unknown scheme "rtsp" (expected http, https, file, tcp, udp, unix, fork)'

echo '{"resources": [{"type": "relay", "serve": "/", "groups": ["239.0.0.0/8", "10.0.0.0/8"]}]}' >groups.json
expect_rejected groups.json "groups.json: resources[0].groups[1]: 10.0.0.0/8 is not a multicast prefix"

echo '{"resources": [{"type": "stream", "serve": "/a.ts", "remote": "udp://239.0.0.1:1234", "linger": -5}]}' >linger.json
expect_rejected linger.json "linger.json: resources[0].linger: expected a non-negative integer"

expect_rejected missing.json "missing.json: cannot read: No such file or directory"

cat >good.json <<'JSON'
{ "": "a comment", "": "another comment", "listen": "127.0.0.1:0", "colour": "blue", "profile": true,
  "streams": [ { "serve": "/a.ts", "remote": "http://127.0.0.1:1/a.ts", "tint": 1 } ] }
JSON
out=$("$BIN/server" --check-config good.json 2>&1) || fail "good config rejected: $out"
# The file `make run` uses, as shipped: valid and without warnings.
shipped=$("$BIN/server" --check-config "$shipped_config" 2>&1) || fail "the shipped server.json is rejected: $shipped"
grep -q "warning" <<<"$shipped" && fail "the shipped server.json warns: $shipped"
echo "$out"
grep -qx "warning: good.json: colour: unknown key, ignored" <<<"$out" || fail "no warning for colour"
grep -qx "warning: good.json: streams\[0\].tint: unknown key, ignored" <<<"$out" || fail "no warning for tint"
# restreamer's Go profiler has no counterpart: said at start-up, not a reason to refuse the file.
grep -qx "warning: good.json: profile: not supported (Go's profiler in restreamer), ignored" <<<"$out" ||
    fail "no warning for profile"
[[ $(grep -c "colour" <<<"$out") == 1 ]] || fail "warning repeated"
