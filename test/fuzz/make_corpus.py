#!/usr/bin/env python3
# make_corpus.py - writes the seed corpus of each fuzz target into test/fuzz/corpus/<target>/: TS
# packets cut from the sample stream (some edited: other codecs, a splice, garbage), PES starts,
# configs, URLs of every scheme and HTTP responses. Seeds only; the fuzzers and FUZZ_MERGE=1 add more.
# Usage: python3 test/fuzz/make_corpus.py SAMPLE.ts   (e.g. build/media/sample.ts)
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
REPO = os.path.dirname(os.path.dirname(HERE))
PACKET = 188


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def crc32_mpeg(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def packets(stream, indexes):
    return b"".join(stream[i * PACKET:(i + 1) * PACKET] for i in indexes)


def pid_of(packet):
    return ((packet[1] & 0x1F) << 8) | packet[2]


def with_stream_type(pmt_packet, stream_type):
    # Rewrites the first elementary stream's stream_type of a one-packet PMT and its CRC_32.
    p = bytearray(pmt_packet)
    start = 5 + p[4]  # pointer_field skipped
    length = ((p[start + 1] & 0x0F) << 8) | p[start + 2]
    end = start + 3 + length
    program_info = ((p[start + 10] & 0x0F) << 8) | p[start + 11]
    p[start + 12 + program_info] = stream_type
    p[end - 4:end] = crc32_mpeg(bytes(p[start:end - 4])).to_bytes(4, "big")
    return bytes(p)


def ts_seeds(stream):
    # The sample starts SDT, PAT, PMT, a video keyframe (PID 0x100); 91 starts a P picture, 268
    # carries a PCR, 355 starts audio (PID 0x101); 1339 on is a later part with PAT and PMT again.
    head = packets(stream, range(0, 12))
    mixed = bytes([0x8B, 0x00, 0xFF, 0x10, 0xCC, 0x7F, 0x8C, 0x03])
    write("ts", "sample_start", mixed + b"\x00\x01" + head + packets(stream, [91, 92, 268, 355, 356, 247]))
    write("ts", "byte_reads", bytes(8) + b"\x00\x00" + packets(stream, [1, 2, 3, 4, 5]))
    write("ts", "packet_reads", bytes([0x8B] * 8) + b"\x00\x01" + packets(stream, range(1, 9)))

    rng = random.Random(6)
    garbage = bytes(rng.choice([0x47, 0x00, 0xFF, rng.randrange(256)]) for _ in range(300))
    cut = stream[91 * PACKET:91 * PACKET + 100]
    write("ts", "garbage_and_cut_packets",
          mixed + b"\x00\x01" + packets(stream, [1, 2, 3]) + garbage + packets(stream, [4, 5]) + cut +
          packets(stream, [1, 2, 91, 268]))

    later = [i for i in range(1339, 1400) if pid_of(stream[i * PACKET:]) in (0, 0x1000, 0x100, 0x101)][:14]
    splice_reads = bytes([0xBC] * 8)  # 60 * 16 + 1 = 961 bytes a read: about 5 packets
    write("ts", "splice", splice_reads + b"\x0c\x01" + packets(stream, range(1, 12)) + packets(stream, later))

    pat, pmt, video = (stream[i * PACKET:(i + 1) * PACKET] for i in (1, 2, 3))
    for name, stream_type in (("h265", 0x24), ("mpeg2", 0x02), ("audio_only", 0x0F)):
        write("ts", "pmt_" + name, mixed + b"\x00\x01" + pat + with_stream_type(pmt, stream_type) + video + packets(stream, [4, 91]))


def video_rap_seeds(stream):
    def pes_of(index):
        p = stream[index * PACKET:(index + 1) * PACKET]
        offset = 4 + (1 + p[4] if p[3] & 0x20 else 0)
        return p[offset:]

    pes_header = bytes([0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1])
    write("video_rap", "h264_idr", bytes([2, 0x1B]) + pes_of(3))
    write("video_rap", "h264_p", bytes([2, 0x1B]) + pes_of(91))
    # SPS, then a non-IDR slice: first_mb_in_slice 0, slice_type 7 (I): bits 1 0001000.
    write("video_rap", "h264_open_gop_i", bytes([2, 0x1B]) + pes_header +
          bytes([0, 0, 0, 1, 0x67, 0x64, 0, 0x1F, 0, 0, 0, 1, 0x41, 0x88, 0x84]))
    write("video_rap", "h265_idr", bytes([3, 0x24]) + pes_header + bytes([0, 0, 0, 1, 0x26, 0x01, 0xAF]))
    write("video_rap", "h265_vps_then_trail", bytes([3, 0x24]) + pes_header +
          bytes([0, 0, 0, 1, 0x40, 0x01, 0x0C, 0, 0, 1, 0x02, 0x01, 0xD0]))
    write("video_rap", "mpeg2_sequence", bytes([1, 0x02]) + pes_header + bytes([0, 0, 1, 0xB3, 0x28, 0x01, 0x68]))
    write("video_rap", "mpeg2_picture", bytes([1, 0x01]) + pes_header + bytes([0, 0, 1, 0xB8, 0, 0, 1, 0x00, 0x0F]))


def config_seeds():
    with open(os.path.join(REPO, "server.json"), "rb") as f:
        write("config", "server.json", f.read())
    seeds = {
        "readme.json": """{
\t"": "keys named \\"\\" are comments and may repeat",
\t"listen": "localhost:8000", "timeout": 5, "reconnect": 2, "readtimeout": 10,
\t"inputbuffer": 1000, "outputbuffer": 400, "maxconnections": 1000,
\t"resources": [
\t\t{ "type": "stream", "serve": "/stream.ts", "remote": "http://localhost:10000/stream.ts" },
\t\t{ "type": "stream", "serve": "/pipe.ts", "remote": "file:///tmp/pipe.ts",
\t\t  "remotes": [ "http://backup.example:8080/ch1.ts" ] }
\t]
}
""",
        "e2e.json": """{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, "maxlag": 2,
  "resources": [ {"type": "stream", "serve": "/a.ts", "remote": "http://127.0.0.1:10000/stream.ts"},
                 {"type": "stream", "serve": "/b.ts", "remote": "tcp://[::1]:9000", "fast_start": false} ] }
""",
        "early_form.json": '{ "": "a comment", "": "another", "listen": "127.0.0.1:0", "colour": "blue",\n'
                           '  "streams": [ { "serve": "/a.ts", "remote": "http://127.0.0.1:1/a.ts", "tint": 1 } ] }\n',
        "every_key.json": """{"listen": "0.0.0.0:8080", "timeout": 1, "reconnect": 2, "readtimeout": 3,
 "inputbuffer": 4, "outputbuffer": 5, "maxconnections": 6, "fullconnections": 7, "heartbeatinterval": 8,
 "nostats": true, "profile": false, "log": "/var/log/access.log", "userlist": {"admin": {"password": "x"}},
 "notifications": [{"event": "limit_hit", "type": "url", "url": "http://h/"}],
 "resources": [
  {"type": "stream", "serve": "/u.ts", "remote": "udp://239.1.1.1:5000?iface=eth0&source=10.0.0.1",
   "clientinterface": "eth1", "mru": 1500, "tlsverify": false, "preamble": "/tmp/p.bin",
   "authentication": {"type": "basic"}},
  {"type": "stream", "serve": "/f.ts", "remotes": ["fork:///usr/bin/ffmpeg?-i+a%20b.ts", "unixgram:///run/s",
   "https://user:secret@[::1]:8443/x.ts?a=1"]},
  {"type": "static", "serve": "/index.html", "remote": "file:///srv/index.html", "cache": 60},
  {"type": "api", "serve": "/health", "api": "health"},
  {"type": "api", "serve": "/check", "api": "check", "remote": "/u.ts"}
 ]}
""",
        "syntax_error.json": '{\n  "listen": "127.0.0.1:0"\n  "resources": []\n}\n',
        "type_error.json": '{"timeout": "soon", "resources": []}',
        "missing_serve.json": '{"resources": [{"type": "stream", "remote": "http://127.0.0.1:1/x.ts"}]}',
        "bad_scheme.json": '{"resources": [{"type": "stream", "serve": "/a.ts", "remote": "rtsp://cam/1"}]}',
        "duplicate.json": '{"Listen": ":8000", "listen": "[::1]:http", "resources": [{"type": "stream", "serve": "/a",'
                          ' "remote": "unix:///a"}, {"type": "stream", "serve": "/a", "remote": "tcp://h:1"}]}',
        "utf8_escapes.json": '{"listen": "h\\u00e9:1", "resources": [], "\\ud83d\\ude00": [1.5e3, -2, null]}',
    }
    for name, text in seeds.items():
        write("config", name, text)


def url_seeds():
    urls = {
        "http": "http://localhost:10000/stream.ts",
        "http_query": "http://user:pass@example.com:8080/live/ch1.ts?token=a%20b#frag",
        "https_v6": "https://[2001:db8::1]:8443/x.ts",
        "file": "file:///tmp/pipe.ts",
        "file_localhost": "file://localhost/srv/a%20b.ts",
        "tcp": "tcp://127.0.0.1:9000",
        "udp_multicast": "udp://239.1.1.1:5000?iface=eth0&source=10.0.0.1",
        "udp_v6": "udp://[ff02::1]:1234",
        "unix": "unix:///run/encoder.sock",
        "unixgram": "unixgram:///run/dgram.sock",
        "unixpacket": "UNIXPACKET:///run/seq.sock",
        "fork": "fork:///usr/bin/ffmpeg?-re+-i+in%20file.ts+-f+mpegts+%2B",
        "rtsp": "rtsp://camera/stream",
        "listen_like": "[::1]:8000",
        "port": "65535",
    }
    for name, url in urls.items():
        write("url", name, url)


def http_seeds():
    chunked = "5\r\nhello\r\n1a;ext=1\r\n" + "x" * 26 + "\r\n0\r\nTrailer: t\r\n\r\n"
    seeds = {
        "chunked_200": "\x07HTTP/1.1 200 OK\r\nContent-Type: video/mpeg\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
        "plain_200": "\x01HTTP/1.0 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789",
        "redirect": "\x10HTTP/1.1 302 Found\r\nLocation: https://other.example/x.ts\r\nContent-Length: 0\r\n\r\n",
        "html_404": "\x20HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html>not here</html>",
        "lf_only": "\x03HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\nX-Empty:\n\n",
        "body_only": "\x02" + chunked,
        "bad_size": "\x05" + "zz\r\nabc\r\n",
    }
    for name, text in seeds.items():
        write("http", name, text.encode("latin-1"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py SAMPLE.ts")
    with open(sys.argv[1], "rb") as f:
        stream = f.read(2000 * PACKET)
    ts_seeds(stream)
    video_rap_seeds(stream)
    config_seeds()
    url_seeds()
    http_seeds()


if __name__ == "__main__":
    main()
