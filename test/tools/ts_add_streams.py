#!/usr/bin/env python3
"""ts_add_streams.py IN OUT PMT_PID - adds teletext, DVB subtitle, SCTE-35 and private data streams
to one program of a transport stream, which ffmpeg cannot make.

Every PMT section on PMT_PID (one per packet, as ffmpeg writes them) gets four more elementary
streams, with a new section_length and CRC_32:

    0x06 on PID 0x120 with a teletext_descriptor (0x56)
    0x06 on PID 0x121 with a subtitling_descriptor (0x59)
    0x86 on PID 0x122 (SCTE-35) with a registration_descriptor "CUEI"
    0x06 on PID 0x123 without descriptors (private data)

and after each PMT packet one packet of each new PID follows: a PES packet (private_stream_1) for
0x120, 0x121 and 0x123, a splice_null splice_info_section for 0x122, each PID with running
continuity counters. Test code for test/e2e only.
"""
import sys

TELETEXT, SUBTITLES, SCTE35, DATA = 0x120, 0x121, 0x122, 0x123


def crc32_mpeg(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def es_entry(stream_type, pid, descriptors):
    return bytes([stream_type, 0xE0 | pid >> 8, pid & 0xFF, 0xF0 | len(descriptors) >> 8, len(descriptors) & 0xFF]) + descriptors


NEW_STREAMS = (es_entry(0x06, TELETEXT, bytes([0x56, 5]) + b"deu" + bytes([0x09, 0x00])) +
               es_entry(0x06, SUBTITLES, bytes([0x59, 8]) + b"deu" + bytes([0x10, 0, 1, 0, 1])) +
               es_entry(0x86, SCTE35, bytes([0x05, 4]) + b"CUEI") +
               es_entry(0x06, DATA, b""))


def with_crc(section_without_crc):
    return section_without_crc + crc32_mpeg(section_without_crc).to_bytes(4, "big")


def extended_pmt(packet):
    """The PMT packet with NEW_STREAMS appended to its section (pointer_field 0 assumed)."""
    start = 5 + packet[4]
    length = (packet[start + 1] & 0x0F) << 8 | packet[start + 2]
    body = packet[start:start + 3 + length - 4] + NEW_STREAMS
    new_length = len(body) - 3 + 4
    body = body[:1] + bytes([0xB0 | new_length >> 8, new_length & 0xFF]) + body[3:]
    payload = packet[:start] + with_crc(body)
    assert len(payload) <= 188, "the PMT no longer fits in one packet"
    return payload + b"\xff" * (188 - len(payload))


def packet(pid, cc, payload):
    header = bytes([0x47, 0x40 | pid >> 8, pid & 0xFF, 0x10 | cc])
    return header + payload + b"\xff" * (184 - len(payload))


def pes(data_identifier):
    # private_stream_1, no PTS: header_data_length 0; EN 300 472/743 data_identifier, then stuffing.
    body = bytes([0x80, 0x00, 0x00, data_identifier]) + b"\xff" * 20
    return bytes([0, 0, 1, 0xBD, 0, len(body)]) + body


def splice_null():
    # splice_info_section (SCTE 35): table_id 0xFC, splice_command_type 0 (splice_null).
    body = bytes([0xFC, 0x30, 0x11, 0x00, 0x00, 0, 0, 0, 0, 0, 0xFF, 0xF0, 0x00, 0x00, 0x00, 0x00])
    return bytes([0]) + with_crc(body)  # pointer_field


def main():
    src, dst, pmt_pid = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
    data = open(src, "rb").read()
    counters = {TELETEXT: 0, SUBTITLES: 0, SCTE35: 0, DATA: 0}
    payloads = {TELETEXT: pes(0x10), SUBTITLES: pes(0x20), SCTE35: splice_null(), DATA: pes(0x99)}
    out = bytearray()
    for at in range(0, len(data) - 187, 188):
        p = data[at:at + 188]
        if ((p[1] & 0x1F) << 8 | p[2]) == pmt_pid and p[1] & 0x40:
            out += extended_pmt(p)
            for pid, cc in counters.items():
                out += packet(pid, cc, payloads[pid])
                counters[pid] = (cc + 1) & 0x0F
        else:
            out += p
    open(dst, "wb").write(out)


main()
