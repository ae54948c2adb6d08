#!/usr/bin/python3
"""A small TFTP server for the e2e tests' "internet" hosts (Debian's
busybox-static has no tftpd applet): read requests only, octet, 512-byte
blocks, one directory, each transfer from a port of its own as RFC 1350
has it. Usage: tftpd.py ADDRESS DIRECTORY (port 69)."""
import os
import socket
import struct
import sys
import threading

ADDR, ROOT = sys.argv[1], sys.argv[2]


def transfer(peer, name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR, 0))
    s.settimeout(2)
    p = os.path.realpath(os.path.join(ROOT, name.lstrip("/")))
    if not p.startswith(os.path.realpath(ROOT) + "/") or not os.path.isfile(p):
        s.sendto(struct.pack("!HH", 5, 1) + b"File not found\0", peer)
        return
    data = open(p, "rb").read()
    block = 1
    while True:
        chunk = data[(block - 1) * 512:block * 512]
        for _ in range(5):
            s.sendto(struct.pack("!HH", 3, block & 0xFFFF) + chunk, peer)
            try:
                ack, src = s.recvfrom(516)
            except socket.timeout:
                continue
            if src == peer and ack[:2] == b"\0\4" and struct.unpack("!H", ack[2:4])[0] == block & 0xFFFF:
                break
        else:
            return
        if len(chunk) < 512:
            return
        block += 1


srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind((ADDR, 69))
while True:
    req, peer = srv.recvfrom(516)
    if req[:2] == b"\0\1":
        name = req[2:].split(b"\0")[0].decode(errors="replace")
        threading.Thread(target=transfer, args=(peer, name), daemon=True).start()
