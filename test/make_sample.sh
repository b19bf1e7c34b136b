#!/bin/sh
# Makes the sample stream with ffmpeg (lavfi test sources): 640x360 H.264 + AAC, constant 2 Mbit/s
# mux rate, GOP 2 s, 10 s, one program. Usage: make_sample.sh OUT [sample|bench]
set -eu
out=$1
kind=${2:-sample}
mkdir -p "$(dirname "$out")"
case "$kind" in
  sample) size=640x360 vrate=1600k buf=800k arate=96k mux=2000k secs=10 ;;
  bench)  size=1280x720 vrate=7000k buf=3500k arate=128k mux=8000k secs=20 ;;
  *) echo "make_sample.sh: unknown kind $kind (sample or bench)" >&2; exit 2 ;;
esac
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=size=$size:rate=25 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t $secs \
  -c:v libx264 -preset veryfast -b:v $vrate -maxrate $vrate -bufsize $buf -g 50 -keyint_min 50 -sc_threshold 0 \
  -c:a aac -b:a $arate -f mpegts -muxrate $mux \
  -metadata service_name=TestChannel -metadata service_provider=restreamer -y "$out.tmp.ts"
mv "$out.tmp.ts" "$out"
