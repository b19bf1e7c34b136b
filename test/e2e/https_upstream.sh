#!/usr/bin/env bash
# https upstreams behind bin/tls_forward (TLS in front of bin/source) with a test CA that only
# SSL_CERT_FILE makes trusted: a verified stream plays clean; an untrusted certificate or a wrong
# host name is refused with one clear line and the stream answers 503; "tlsverify": false
# connects anyway; Basic credentials and redirects work across http and https.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl CLI missing"; exit 77; }
unset SSL_CERT_FILE SSL_CERT_DIR  # trust is what each case sets, not what the caller had

log "certificates: a test CA, a server cert it signs for 127.0.0.1 and localhost, one for other names, a self-signed one"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2)
openssl req -x509 "${ec[@]}" -keyout "$T/ca.key" -out "$T/ca.pem" -subj "/CN=restreamer test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
make_cert() {  # NAME SUBJECT_ALT_NAMES [CA options...]
    local name=$1 names=$2; shift 2
    openssl req -x509 "${ec[@]}" -keyout "$T/$name.key" -out "$T/$name.pem" -subj "/CN=$name" \
        -addext "subjectAltName=$names" -addext basicConstraints=CA:FALSE "$@" 2>/dev/null
}
make_cert good "IP:127.0.0.1,DNS:localhost" -CA "$T/ca.pem" -CAkey "$T/ca.key"
make_cert other "IP:127.0.0.2,DNS:other.example" -CA "$T/ca.pem" -CAkey "$T/ca.key"
make_cert self "IP:127.0.0.1,DNS:localhost"

# start_forward NAME CERT_NAME TO_PORT: bin/tls_forward with $T/CERT_NAME.{pem,key}; sets FORWARD_PORT.
start_forward() {
    "$BIN/tls_forward" --cert "$T/$2.pem" --key "$T/$2.key" --to "127.0.0.1:$3" 2>"$T/$1.log" &
    PIDS+=($!)
    wait_until 10 grep -q "event=listening" "$T/$1.log" || { cat "$T/$1.log"; fail "tls_forward $1 did not start"; }
    FORWARD_PORT=$(listening_port "$T/$1.log")
}

start_source src "$SAMPLE"
python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake upstream did not start"
fake_port=$(listening_port "$T/fake.log")
start_forward fwd_good good "$SOURCE_PORT"; good=$FORWARD_PORT
start_forward fwd_other other "$SOURCE_PORT"; other=$FORWARD_PORT
start_forward fwd_self self "$SOURCE_PORT"; self=$FORWARD_PORT
start_forward fwd_fake good "$fake_port"; fake_tls=$FORWARD_PORT

# Credentials "user:p@ss", written with the '@' escaped; fake_http redirects only when they arrive.
creds="user:p%40ss@"
auth="auth?user=user:p%40ss&to"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "resources": [
    { "type": "stream", "serve": "/good.ts", "remote": "https://127.0.0.1:$good/stream.ts" },
    { "type": "stream", "serve": "/selfsigned.ts", "remote": "https://127.0.0.1:$self/stream.ts" },
    { "type": "stream", "serve": "/noverify.ts", "remote": "https://127.0.0.1:$self/stream.ts", "tlsverify": false },
    { "type": "stream", "serve": "/mismatch.ts", "remote": "https://localhost:$other/stream.ts" },
    { "type": "stream", "serve": "/https_auth.ts",
      "remote": "https://${creds}127.0.0.1:$fake_tls/$auth=http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "stream", "serve": "/http_auth.ts",
      "remote": "http://${creds}127.0.0.1:$fake_port/$auth=https://127.0.0.1:$good/stream.ts" },
    { "type": "stream", "serve": "/no_auth.ts", "remote": "http://127.0.0.1:$fake_port/$auth=http://127.0.0.1:1/" }
  ] }
JSON
SSL_CERT_FILE="$T/ca.pem" start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"

expect_failure() {  # LOG STREAM REASON-REGEX
    wait_until 8 grep -qE "event=upstream_failed stream=$2 remote=[^ ]+ reason=\"?$3" "$1" ||
        { cat "$1"; fail "no clear failure line for $2 matching: $3"; }
    grep -m1 -E "event=upstream_failed stream=$2 " "$1"
}

log "trusted through SSL_CERT_FILE: connects and plays clean"
wait_until 10 stream_connected /good.ts || { cat "$T/server.log"; fail "https upstream with a trusted certificate never connected"; }
capture "$url/good.ts" 3 "$T/good.ts"
"$BIN/ts_check" "$T/good.ts" || fail "capture through TLS has CC errors or is not aligned"
bytes=$(ts_figure "$T/good.ts" bytes)
echo "captured $bytes bytes in 3 s"
(( bytes > 300000 )) || fail "only $bytes bytes through TLS in 3 s"

log "untrusted or misnamed certificates are refused"
expect_failure "$T/server.log" /selfsigned.ts \
    "TLS handshake with 127.0.0.1:$self failed: certificate verify failed \(self-signed certificate\)"
expect_failure "$T/server.log" /mismatch.ts \
    "TLS handshake with localhost:$other failed: certificate verify failed \(hostname mismatch\)"
for path in /selfsigned.ts /mismatch.ts; do
    [[ $(http_status "$url$path") == 503 ]] || fail "$path should answer 503"
done

log "tlsverify false accepts the self-signed certificate"
wait_until 10 stream_connected /noverify.ts || { cat "$T/server.log"; fail "tlsverify false did not connect"; }

log "Basic credentials over https and http, redirects across the schemes"
wait_until 10 stream_connected /https_auth.ts || { cat "$T/server.log" "$T/fake.log"; fail "https with credentials, redirect to http"; }
wait_until 10 stream_connected /http_auth.ts || { cat "$T/server.log" "$T/fake.log"; fail "http with credentials, redirect to https"; }
expect_failure "$T/server.log" /no_auth.ts "HTTP 401"
grep -q "remote=\"https://user:xxxxx@127.0.0.1:$fake_tls/" "$T/server.log" || fail "the password is not masked in the log"

log "without SSL_CERT_FILE the test CA is not trusted"
mv "$T/server.log" "$T/server_ca.log"
write_config "$T/plain.json" "" /good.ts "https://127.0.0.1:$good/stream.ts"
start_server "$T/plain.json"
expect_failure "$T/server.log" /good.ts \
    "TLS handshake with 127.0.0.1:$good failed: certificate verify failed \(unable to get local issuer certificate\)"
[[ $(http_status "http://127.0.0.1:$SERVER_PORT/good.ts") == 503 ]] || fail "/good.ts should answer 503 without the CA"
