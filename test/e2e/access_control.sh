#!/usr/bin/env bash
# Access control per resource: Basic authentication (401 with the exact WWW-Authenticate challenge for
# no, wrong or unlisted credentials; 200 for a listed user, also one whose password is stored as a
# `bin/server --hash-password` hash), Bearer (200 for the token, 403 without a challenge otherwise),
# IP allow/deny lists with CIDR (IPv4, and IPv6 on [::1] when the loopback has it), and
# X-Forwarded-For, ignored unless the peer is one of `trustedproxies`.
source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call, and checks call it often.
PY=$(command -v /usr/bin/python3 || command -v python3)
start_source src "$SAMPLE"
carol_hash=$(printf 's3cr3t pass\n' | "$BIN/server" --hash-password) || fail "--hash-password failed"
echo "carol's hash: $carol_hash"
[[ $carol_hash =~ ^sha256:[0-9a-f]+:[0-9a-f]{64}$ ]] || fail "unexpected hash format: $carol_hash"
[[ $(printf 's3cr3t pass\n' | "$BIN/server" --hash-password) != "$carol_hash" ]] || fail "two hashes of one password are equal (no salt)"

# write_server_config FILE 'EXTRA_TOP_LEVEL_JSON'
write_server_config() {
    cat >"$1" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, $2
  "userlist": {
    "alice": { "password": "wonderland" },
    "bob": { "password": "builder" },
    "carol": { "hash": "$carol_hash" },
    "tok": { "password": "tok-3n-XYZ" }
  },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts",
      "authentication": { "type": "basic", "realm": "Restreamer TV", "users": [ "alice", "carol" ] } },
    { "type": "stream", "serve": "/bearer.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts",
      "authentication": { "type": "bearer", "user": "tok" } },
    { "type": "stream", "serve": "/ten.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts", "allow": [ "10.0.0.0/8" ] },
    { "type": "api", "api": "health", "serve": "/health",
      "authentication": { "type": "basic", "realm": "API", "user": "alice" } },
    { "type": "api", "api": "statistics", "serve": "/bearer-stats",
      "authentication": { "type": "bearer", "users": [ "tok" ] } },
    { "type": "api", "api": "health", "serve": "/open" },
    { "type": "api", "api": "health", "serve": "/ten", "allow": [ "10.0.0.0/8" ] },
    { "type": "api", "api": "health", "serve": "/deny", "deny": [ "127.0.0.1/32" ] },
    { "type": "api", "api": "health", "serve": "/local", "allow": [ "127.0.0.0/8", "10.0.0.0/8" ], "deny": [ "127.0.0.2" ] },
    { "type": "api", "api": "health", "serve": "/ten-auth", "allow": [ "10.0.0.0/8" ],
      "authentication": { "type": "basic", "realm": "API", "user": "alice" } }
  ] }
JSON
}
write_server_config "$T/server.json" ""
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 grep -q "event=upstream_connected stream=/tv.ts" "$T/server.log" || fail "/tv.ts never connected"

# request [CURL-ARGS...] PATH: sets STATUS, BODY and the headers in $T/headers (a stream: 1 s of it).
request() {
    local path=${*: -1}
    rm -f "$T/body" "$T/headers"
    STATUS=$(curl -s -m 1 -D "$T/headers" -o "$T/body" -w '%{http_code}' "${@:1:$#-1}" "$url$path" || true)
    BODY=$(head -c 300 "$T/body" 2>/dev/null | tr -d '\0' || true)
}
header() { tr -d '\r' <"$T/headers" | awk -v n="$(tr 'A-Z' 'a-z' <<<"$1")" 'index(tolower($0), n ": ") == 1 { print substr($0, length(n) + 3) }'; }
# expect STATUS WHAT [CURL-ARGS...] PATH
expect() {
    local status=$1 what=$2; shift 2
    request "$@"
    [[ $STATUS == "$status" ]] || fail "$what: status $STATUS, expected $status (body: $BODY)"
}
expect_challenge() {  # REALM WHAT
    [[ $(header WWW-Authenticate) == "Basic realm=\"$1\" charset=\"UTF-8\"" ]] ||
        fail "$2: WWW-Authenticate is '$(header WWW-Authenticate)'"
    [[ $(header WWW-Authenticate | wc -l) == 1 ]] || fail "$2: more than one WWW-Authenticate header"
}
expect_stream_data() {  # WHAT
    "$BIN/ts_check" "$T/body" >/dev/null && (( $(stat -c %s "$T/body") > 100000 )) ||
        fail "$1: no clean stream data ($(stat -c %s "$T/body" 2>/dev/null) bytes)"
    [[ $(header Content-Type) == video/mpeg ]] || fail "$1: Content-Type '$(header Content-Type)'"
}
basic() { printf 'Authorization: Basic %s' "$(printf '%s' "$1" | base64 -w0)"; }

log "basic: 401 with the exact challenge for missing, wrong and unlisted credentials"
expect 401 "stream without credentials" /tv.ts
expect_challenge "Restreamer TV" "stream without credentials"
[[ $BODY == unauthorized ]] || fail "401 body: $BODY"
expect 401 "stream with a wrong password" -u alice:wonderlan /tv.ts
expect_challenge "Restreamer TV" "wrong password"
expect 401 "stream with a right password of a user not in its list" -u bob:builder /tv.ts
expect_challenge "Restreamer TV" "unlisted user"
expect 401 "stream with an unknown user" -u mallory:wonderland /tv.ts
expect 401 "stream with carol's hash as her password" -u "carol:$carol_hash" /tv.ts
expect 401 "stream with the password and no user" -H "$(basic ':wonderland')" /tv.ts
expect 401 "stream with a Basic header that is not base64" -H 'Authorization: Basic !!!notbase64' /tv.ts
expect 401 "stream with a Bearer header" -H 'Authorization: Bearer wonderland' /tv.ts
expect 401 "stream with the user's password in the user field" -H "$(basic 'wonderland:alice')" /tv.ts
grep -q 'event=client_challenged path=/tv.ts' "$T/server.log" || fail "challenges are not logged"

log "basic: listed users pass, also with a hashed password"
expect 200 "stream as alice" -u alice:wonderland /tv.ts
expect_stream_data "stream as alice"
expect 200 "stream as carol (hashed password)" -u "carol:s3cr3t pass" /tv.ts
expect_stream_data "stream as carol"
expect 200 "stream with a lower-case scheme name" -H "$(basic 'alice:wonderland' | sed 's/Basic/basic/')" /tv.ts
expect 401 "stream as carol with a wrong password" -u "carol:s3cr3t pas" /tv.ts
expect 401 "api without credentials" /health
expect_challenge "API" "api without credentials"
expect 401 "api as carol, who is not listed there" -u "carol:s3cr3t pass" /health
expect 200 "api as alice" -u alice:wonderland /health
[[ $(header Content-Type) == application/json && $BODY == '{"status":'* ]] || fail "api as alice: $(header Content-Type) $BODY"
expect 200 "an api without authentication" /open

log "bearer: the token passes, anything else is 403 without a challenge"
expect 200 "bearer api with the token" -H 'Authorization: Bearer tok-3n-XYZ' /bearer-stats
[[ $BODY == '{"status":'* ]] || fail "bearer api body: $BODY"
expect 200 "bearer stream with the token" -H 'Authorization: Bearer tok-3n-XYZ' /bearer.ts
expect_stream_data "bearer stream"
for args in "" "-H|Authorization: Bearer tok-3n-XY" "-H|Authorization: Bearer tok-3n-XYZZ" \
    "-H|Authorization: Bearer wonderland" "-H|Authorization: Bearer " "-u|tok:tok-3n-XYZ" \
    "-H|Authorization: tok-3n-XYZ"; do
    IFS='|' read -r -a argv <<<"$args"
    expect 403 "bearer api with '${argv[*]:-nothing}'" "${argv[@]}" /bearer-stats
    [[ -z $(header WWW-Authenticate) ]] || fail "a bearer 403 carries a challenge: $(header WWW-Authenticate)"
    [[ $BODY == forbidden ]] || fail "bearer 403 body: $BODY"
    expect 403 "bearer stream with '${argv[*]:-nothing}'" "${argv[@]}" /bearer.ts
done
grep -q 'event=client_refused path=/bearer-stats .*reason="bad credentials"' "$T/server.log" || fail "bearer refusals are not logged"

log "IP allow and deny lists (the peer is 127.0.0.1)"
expect 403 "allow 10.0.0.0/8 only, api" /ten
[[ $BODY == forbidden ]] || fail "403 body: $BODY"
expect 403 "allow 10.0.0.0/8 only, stream" /ten.ts
expect 403 "deny 127.0.0.1/32" /deny
expect 200 "allow 127.0.0.0/8, deny 127.0.0.2" /local
expect 403 "an address refusal comes before authentication" -u alice:wonderland /ten-auth
[[ -z $(header WWW-Authenticate) ]] || fail "a refused address is asked for credentials"
grep -q 'event=client_refused path=/ten .*address=127.0.0.1 reason="address not allowed"' "$T/server.log" || fail "address refusals are not logged"

log "X-Forwarded-For is ignored without trustedproxies"
expect 403 "spoofed X-Forwarded-For on an allow-list" -H 'X-Forwarded-For: 10.1.2.3' /ten
expect 403 "spoofed X-Forwarded-For on a stream's allow-list" -H 'X-Forwarded-For: 10.1.2.3' /ten.ts
expect 403 "spoofed X-Forwarded-For on a deny-list" -H 'X-Forwarded-For: 10.1.2.3' /deny
expect 403 "spoofed X-Real-IP-like list" -H 'X-Forwarded-For: 10.1.2.3, 10.4.5.6' /ten

log "X-Forwarded-For is believed from trustedproxies 127.0.0.1"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
mv "$T/server.log" "$T/untrusted-server.log"  # kept as *.log for the cleanup's sanitizer check
write_server_config "$T/trusted.json" '"trustedproxies": [ "127.0.0.1" ],'
start_server "$T/trusted.json"
url="http://127.0.0.1:$SERVER_PORT"
expect 403 "trusted proxy, no X-Forwarded-For" /ten
expect 200 "trusted proxy forwarding for 10.1.2.3" -H 'X-Forwarded-For: 10.1.2.3' /ten
expect 200 "trusted proxy, 10.1.2.3 via another trusted hop" -H 'X-Forwarded-For: 10.1.2.3, 127.0.0.1' /ten
expect 403 "trusted proxy, the nearest untrusted hop is 192.168.7.7" -H 'X-Forwarded-For: 10.1.2.3, 192.168.7.7' /ten
expect 403 "trusted proxy, a hop that is not an address" -H 'X-Forwarded-For: 10.1.2.3, not-an-address' /ten
expect 200 "trusted proxy, deny-list of the proxy's own address" -H 'X-Forwarded-For: 10.1.2.3' /deny
expect 403 "trusted proxy forwarding for a denied address" -H 'X-Forwarded-For: 127.0.0.1' /deny
wait_until 10 grep -q "event=upstream_connected stream=/ten.ts" "$T/server.log" || fail "/ten.ts never connected"
expect 200 "trusted proxy forwarding for 10.1.2.3, stream" -H 'X-Forwarded-For: 10.1.2.3' /ten.ts
expect_stream_data "stream through a trusted proxy"
expect 200 "forwarded and authenticated" -H 'X-Forwarded-For: 10.9.9.9' -u alice:wonderland /ten-auth
expect 401 "forwarded, not authenticated" -H 'X-Forwarded-For: 10.9.9.9' /ten-auth

log "IPv6: rules on a server listening on [::1]"
if ! { [[ -e /proc/net/if_inet6 ]] && ip -6 addr show lo 2>/dev/null | grep -q "::1" &&
    "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; }; then
    echo "SKIP: no IPv6 on the loopback; the IPv6 part is not tested"
    echo "PASS"
    exit 0
fi
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
mv "$T/server.log" "$T/trusted-server.log"
cat >"$T/v6.json" <<JSON
{ "listen": "[::1]:0", "trustedproxies": [ "::1/128" ], "log": "$T/v6-access.log",
  "resources": [
    { "type": "api", "api": "health", "serve": "/allow-v6", "allow": [ "::1/128" ] },
    { "type": "api", "api": "health", "serve": "/allow-net", "allow": [ "::/64" ] },
    { "type": "api", "api": "health", "serve": "/deny-v6", "deny": [ "::1" ] },
    { "type": "api", "api": "health", "serve": "/allow-v4-loopback", "allow": [ "127.0.0.0/8" ] },
    { "type": "api", "api": "health", "serve": "/allow-doc", "allow": [ "2001:db8::/32" ] },
    { "type": "api", "api": "health", "serve": "/ten", "allow": [ "10.0.0.0/8" ] }
  ] }
JSON
start_server "$T/v6.json"
url="http://[::1]:$SERVER_PORT"
request() {
    local path=${*: -1}
    rm -f "$T/body" "$T/headers"
    STATUS=$(curl -g -s -m 1 -D "$T/headers" -o "$T/body" -w '%{http_code}' "${@:1:$#-1}" "$url$path" || true)
    BODY=$(cat "$T/body" 2>/dev/null || true)
}
expect 200 "allow ::1/128 from ::1" /allow-v6
expect 200 "allow ::/64 from ::1" /allow-net
expect 403 "deny ::1 from ::1" /deny-v6
expect 403 "an IPv4 rule does not match ::1" /allow-v4-loopback
expect 403 "allow 2001:db8::/32 from ::1" /allow-doc
expect 200 "trusted IPv6 proxy forwarding for 2001:db8::5" -H 'X-Forwarded-For: 2001:db8::5' /allow-doc
expect 200 "trusted IPv6 proxy forwarding for 10.1.2.3" -H 'X-Forwarded-For: 10.1.2.3' /ten
expect 403 "trusted IPv6 proxy forwarding for 2001:db9::5" -H 'X-Forwarded-For: 2001:db9::5' /allow-doc
expect 200 "deny ::1, forwarded for 2001:db8::5" -H 'X-Forwarded-For: 2001:db8::5' /deny-v6
# The access log names a forwarded client only when a proxy forwarded one, IPv6 peers included.
"$PY" - "$T/v6-access.log" <<'PY' || fail "access log forwarded_for on the IPv6 server is wrong"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
direct = [e for e in lines if e["path"] == "/allow-v6"]
forwarded = [e for e in lines if e["path"] == "/deny-v6" and e["status"] == 200]
assert direct and all("forwarded_for" not in e and e["client"].startswith("[::1]:") for e in direct), direct
assert forwarded and all(e.get("forwarded_for") == "2001:db8::5" for e in forwarded), forwarded
PY
echo "PASS"
