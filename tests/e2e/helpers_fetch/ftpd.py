#!/usr/bin/python3
"""A small FTP server for the e2e tests' "internet" hosts (Debian's
busybox-static has no ftpd applet): anonymous, read-only, one directory,
PASV and EPSV only. Usage: ftpd.py ADDRESS DIRECTORY (port 21)."""
import os
import socket
import sys
import threading

ADDR, ROOT = sys.argv[1], sys.argv[2]


def serve(c):
    f = c.makefile("rb")

    def say(s):
        c.sendall(s.encode() + b"\r\n")

    def path(arg):
        p = os.path.realpath(os.path.join(ROOT, arg.lstrip("/")))
        return p if p.startswith(os.path.realpath(ROOT) + "/") and os.path.isfile(p) else None

    say("220 (test ftpd)")
    data = None
    for line in f:
        cmd, _, arg = line.decode(errors="replace").strip().partition(" ")
        cmd = cmd.upper()
        if cmd == "USER":
            say("331 Please specify the password.")
        elif cmd == "PASS":
            say("230 Login successful.")
        elif cmd in ("TYPE", "MODE", "STRU", "OPTS"):
            say("200 OK.")
        elif cmd == "PWD":
            say('257 "/"')
        elif cmd == "CWD":
            say("250 OK.")
        elif cmd == "SYST":
            say("215 UNIX Type: L8")
        elif cmd == "SIZE":
            p = path(arg)
            say("213 %d" % os.path.getsize(p) if p else "550 Could not get file size.")
        elif cmd in ("PASV", "EPSV"):
            if data:
                data.close()
            data = socket.socket()
            data.bind((ADDR, 0))
            data.listen(1)
            port = data.getsockname()[1]
            if cmd == "EPSV":
                say("229 Entering Extended Passive Mode (|||%d|)" % port)
            else:
                say("227 Entering Passive Mode (%s,%d,%d)." % (ADDR.replace(".", ","), port >> 8, port & 255))
        elif cmd == "RETR":
            p = path(arg)
            if not p or not data:
                say("550 Failed to open file.")
                continue
            say("150 Opening BINARY mode data connection.")
            d, _ = data.accept()
            with open(p, "rb") as src:
                d.sendall(src.read())
            d.close()
            data.close()
            data = None
            say("226 Transfer complete.")
        elif cmd == "QUIT":
            say("221 Goodbye.")
            break
        else:
            say("502 Command not implemented.")
    c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ADDR, 21))
s.listen(16)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
