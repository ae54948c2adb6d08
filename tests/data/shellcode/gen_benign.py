#!/usr/bin/env python3
"""Writes the benign payloads of the shellcode corpus into benign/ (committed;
rerun to remake them byte for byte): what a sensor sees that is not
shellcode. Deterministic: "random" bytes come from SHA-256 in counter mode,
gzip's timestamp is zero."""
import gzip
import hashlib
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benign")


def prng(seed, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return out[:n]


TEXT = (
    "The honeynet answers every login it is offered and records what the "
    "visitor does next. Most visitors download a script, run it, and leave; "
    "a few look around first, list the processes, read /etc/passwd and try "
    "the neighbouring hosts with the same password. None of this needs to be "
    "fast, but all of it needs to be recorded in order, with the time of day, "
    "the address it came from and the bytes as they were sent.\n"
) * 10


def http_get():
    return (b"GET /index.html?q=shellcode&lang=en HTTP/1.1\r\n"
            b"Host: www.example.com\r\n"
            b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
            b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            b"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
            b"Cookie: session=8f3c2a91d04b7e65; theme=dark\r\nConnection: keep-alive\r\n\r\n")


def http_post_json():
    body = (b'{"user":"alice","items":[{"id":1,"name":"widget","price":9.99},'
            b'{"id":2,"name":"gadget","price":19.5}],"note":"' + TEXT[:600].encode() + b'"}')
    return (b"POST /api/v1/orders HTTP/1.1\r\nHost: shop.example.com\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)


def http_response_gzip():
    html = ("<!DOCTYPE html><html><head><title>Welcome</title></head><body>" +
            "".join(f"<p id=\"p{i}\">{TEXT[i * 40:i * 40 + 200]}</p>" for i in range(40)) +
            "</body></html>").encode()
    body = gzip.compress(html, mtime=0)
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)


def tls_client_hello(seed, sni):
    rnd = prng(seed, 32)
    sid = prng(seed + "sid", 32)
    suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
              0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
    cs = b"".join(struct.pack(">H", s) for s in suites)

    def ext(t, data):
        return struct.pack(">HH", t, len(data)) + data

    name = sni.encode()
    exts = ext(0, struct.pack(">HBH", len(name) + 3, 0, len(name)) + name)
    exts += ext(23, b"") + ext(0xff01, b"\x00")
    exts += ext(10, struct.pack(">H", 8) + struct.pack(">HHHH", 0x001d, 0x0017, 0x0018, 0x0019))
    exts += ext(11, b"\x01\x00")
    exts += ext(35, b"")
    alpn = b"\x02h2\x08http/1.1"
    exts += ext(16, struct.pack(">H", len(alpn)) + alpn)
    exts += ext(5, b"\x01\x00\x00\x00\x00")
    exts += ext(13, struct.pack(">H", 16) + struct.pack(">8H", 0x0403, 0x0503, 0x0603, 0x0804,
                                                           0x0805, 0x0806, 0x0401, 0x0501))
    key = prng(seed + "key", 32)
    exts += ext(51, struct.pack(">HHH", 36, 0x001d, 32) + key)
    exts += ext(43, b"\x04\x03\x04\x03\x03")
    exts += ext(45, b"\x01\x01")
    exts += ext(21, b"\x00" * 200)  # padding
    body = (b"\x03\x03" + rnd + bytes([len(sid)]) + sid + struct.pack(">H", len(cs)) + cs +
            b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def smb1_negotiate():
    dialects = b"".join(b"\x02" + d + b"\x00" for d in (
        b"PC NETWORK PROGRAM 1.0", b"LANMAN1.0", b"Windows for Workgroups 3.1a", b"LM1.2X002",
        b"LANMAN2.1", b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???"))
    hdr = (b"\xffSMB" + b"\x72" + b"\x00" * 4 + b"\x18" + struct.pack("<H", 0xc853) +
           b"\x00" * 12 + b"\xff\xff" + struct.pack("<H", 0xfeff) + b"\x00\x00" +
           struct.pack("<H", 0x0040))
    msg = hdr + b"\x00" + struct.pack("<H", len(dialects)) + dialects
    return struct.pack(">I", len(msg)) + msg


def smb2_negotiate():
    hdr = (b"\xfeSMB" + struct.pack("<HHIHHII", 64, 0, 0, 0, 31, 0, 0) + struct.pack("<Q", 1) +
           struct.pack("<II", 0xfeff, 0) + struct.pack("<Q", 0) + b"\x00" * 16)
    dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    guid = prng("smb2guid", 16)
    ctx_pre = struct.pack("<HHI", 1, 38, 0) + struct.pack("<HHH", 1, 32, 1) + prng("salt", 32)
    body = (struct.pack("<HHHHI", 36, len(dialects), 1, 0, 0x7f) + guid +
            struct.pack("<IHH", 0, 2, 0) + b"".join(struct.pack("<H", d) for d in dialects))
    msg = hdr + body + b"\x00\x00" + ctx_pre + b"\x00" * 2 + struct.pack("<HHI", 2, 8, 0) + \
        struct.pack("<HHHH", 3, 0, 2, 1)
    return struct.pack(">I", len(msg)) + msg


def ssh_kexinit():
    kex = b",".join([b"curve25519-sha256", b"curve25519-sha256@libssh.org", b"ecdh-sha2-nistp256",
                     b"diffie-hellman-group16-sha512", b"ext-info-c"])
    hk = b"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256"
    ciph = b"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com"
    mac = b"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha1"
    comp = b"none,zlib@openssh.com"

    def s(x):
        return struct.pack(">I", len(x)) + x

    payload = b"\x14" + prng("cookie", 16) + s(kex) + s(hk) + s(ciph) + s(ciph) + s(mac) + \
        s(mac) + s(comp) + s(comp) + s(b"") + s(b"") + b"\x00" + b"\x00" * 4
    pad = 4 + (8 - (len(payload) + 5 + 4) % 8) % 8
    pkt = struct.pack(">IB", len(payload) + pad + 1, pad) + payload + b"\x00" * pad
    return b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n" + pkt


def dns_query():
    q = struct.pack(">HHHHHH", 0x1a2b, 0x0100, 1, 0, 0, 0)
    for label in (b"update", b"example", b"com"):
        q += bytes([len(label)]) + label
    return q + b"\x00" + struct.pack(">HH", 1, 1)


SAMPLES = {
    "http_get.txt": http_get(),
    "http_post_json.txt": http_post_json(),
    "http_response_gzip.bin": http_response_gzip(),
    "tls_clienthello_a.bin": tls_client_hello("a", "www.example.com"),
    "tls_clienthello_b.bin": tls_client_hello("b", "api.example.net"),
    "smb1_negotiate.bin": smb1_negotiate(),
    "smb2_negotiate.bin": smb2_negotiate(),
    "ssh_kexinit.bin": ssh_kexinit(),
    "dns_query.bin": dns_query(),
    "plain_text.txt": TEXT.encode(),
    "gzip_text.gz": gzip.compress(TEXT.encode() * 4, mtime=0),
    "zlib_random_text.bin": zlib.compress(prng("words", 3000).hex().encode(), 9),
    "random_4k_1.bin": prng("r1", 4096),
    "random_4k_2.bin": prng("r2", 4096),
    "random_16k.bin": prng("r3", 16384),
    "zeros_4k.bin": b"\x00" * 4096,
}

os.makedirs(OUT, exist_ok=True)
for name, data in SAMPLES.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
