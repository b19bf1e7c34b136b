#!/usr/bin/env bash
# udp:// unicast upstreams: TS in 7-packet datagrams, plain or wrapped in RTP (a bare 12-byte header,
# or one with a CSRC, a header extension and padding), over IPv4 and IPv6, reaches viewers whole,
# gapless and decodable; so do datagrams of 100 packets, larger than the first receive buffer.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
plain=$(free_udp_port); rtp=$(free_udp_port); rtpext=$(free_udp_port); v6=$(free_udp_port ::1); big=$(free_udp_port)
write_config "$T/server.json" "" \
    /plain.ts "udp://127.0.0.1:$plain" /rtp.ts "udp://127.0.0.1:$rtp" /rtpext.ts "udp://127.0.0.1:$rtpext" \
    /v6.ts "udp://[::1]:$v6" /big.ts "udp://127.0.0.1:$big"
start_server "$T/server.json"
feed_pipe plain "$BIN/ts_pipe" udp-send "127.0.0.1:$plain"
feed_pipe rtp "$BIN/ts_pipe" udp-send "127.0.0.1:$rtp" --rtp
feed_pipe rtpext "$BIN/ts_pipe" udp-send "127.0.0.1:$rtpext" --rtp-ext
feed_pipe v6 "$BIN/ts_pipe" udp-send "[::1]:$v6"
feed_pipe big "$BIN/ts_pipe" udp-send "127.0.0.1:$big" --packets 100
expect_streams_deliver "plain rtp rtpext v6 big" 600000
# The RTP headers were taken off, not skipped as garbage by the framer.
! grep -q "event=upstream_garbage" "$T/server.log" || fail "RTP headers reached the framer"
for s in plain rtpext; do
    codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/$s.cap" | sort -u | tr '\n' ' ')
    echo "$s codecs: $codecs"
    [[ $codecs == *h264* && $codecs == *aac* ]] || fail "$s capture does not decode as h264 + aac: $codecs"
done
