#!/usr/bin/env bash
# unix:// upstreams: stream, seqpacket and datagram sockets are told apart automatically, and
# unixpacket:// and unixgram:// name the type; every kind delivers whole, gapless packets. A seqpacket
# peer that closes ends the stream cleanly.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
feed_pipe stream "$BIN/ts_pipe" unix-listen "$T/stream.sock"
feed_pipe packet "$BIN/ts_pipe" unixpacket-listen "$T/packet.sock"
packet_pid=$LAST_PID
feed_pipe gram "$BIN/ts_pipe" unixgram "$T/gram.sock"
feed_pipe packet2 "$BIN/ts_pipe" unixpacket-listen "$T/packet2.sock"
feed_pipe gram2 "$BIN/ts_pipe" unixgram "$T/gram2.sock" --rtp
write_config "$T/server.json" "" \
    /stream.ts "unix://$T/stream.sock" /packet.ts "unix://$T/packet.sock" /gram.ts "unix://$T/gram.sock" \
    /packet2.ts "unixpacket://$T/packet2.sock" /gram2.ts "unixgram://$T/gram2.sock"
start_server "$T/server.json"
expect_streams_deliver "stream packet gram packet2 gram2" 600000
# The datagram sockets learnt the server's address from its hello.
grep -q "event=receiver" "$T/gram.log" || fail "the datagram sender never heard from the server"

kill $packet_pid
wait_until 5 grep -q 'event=upstream_disconnected stream=/packet.ts .*reason="end of stream"' "$T/server.log" ||
    { grep /packet.ts "$T/server.log"; fail "closing the seqpacket peer did not end the stream cleanly"; }
