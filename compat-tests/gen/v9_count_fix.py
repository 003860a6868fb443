#!/usr/bin/python3
"""Copy of a NetFlow v9 export capture with each header `count` raised to the number of
flowsets the datagram holds, so that pmacct 1.7.7 (which reads `count` as a flowset count,
quirk 2) reads every flowset. pmacct on the copy gives the right output; the difference
with pmacct on the original is what expected-differences.txt records for quirk 2.

usage: v9_count_fix.py IN.pcap OUT.pcap   (Ethernet/IPv4 captures as make_exports.sh writes)
"""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
off, fixed = 24, 0
while off + 16 <= len(data):
    caplen = struct.unpack("<I", data[off + 8 : off + 12])[0]
    f, end = off + 16, off + 16 + caplen
    ip = f + 14
    p = ip + (data[ip] & 15) * 4 + 8  # UDP payload; nfacctd does not verify the UDP checksum
    if struct.unpack("!H", data[p : p + 2])[0] == 9:
        cnt = struct.unpack("!H", data[p + 2 : p + 4])[0]
        q, n = p + 20, 0
        while q + 4 <= end:
            ln = struct.unpack("!H", data[q + 2 : q + 4])[0]
            if ln < 4:
                break
            n, q = n + 1, q + ln
        if cnt < n:
            struct.pack_into("!H", data, p + 2, n)
            fixed += 1
    off = end
open(sys.argv[2], "wb").write(data)
print("%d datagrams had count < flowsets" % fixed)
