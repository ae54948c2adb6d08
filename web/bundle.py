#!/usr/bin/env python3
"""Builds the page for meson: bundle.py OUT.c WORK WEBDIR EMBED_PY.

In WORK (the build's private directory): `npm ci` from WEBDIR's package.json
and package-lock.json (against the registry, once, and again when the lock
changes), build.mjs bundling WEBDIR/src into WORK/dist with esbuild, then
EMBED_PY --assets writing the C table OUT.c. Without node and npm the build
stops here, saying so: there is no checked-in bundle to fall back on."""
import filecmp
import os
import shutil
import subprocess
import sys


def fail(msg):
    sys.stderr.write("web/bundle.py: %s\n" % msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 5:
        fail("usage: bundle.py OUT.c WORK WEBDIR EMBED_PY")
    out, work, webdir, embed = (os.path.abspath(a) for a in sys.argv[1:])
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        fail("karakuri's web page is bundled with npm at build time, and %s is not on PATH: "
             "install Debian's nodejs and npm (scripts/setup deps does)"
             % ("npm" if not npm else "node"))
    os.makedirs(work, exist_ok=True)
    lock = os.path.join(webdir, "package-lock.json")
    stamp = os.path.join(work, "node_modules", ".karakuri-lock")
    for f in ("package.json", "package-lock.json", "build.mjs"):
        shutil.copyfile(os.path.join(webdir, f), os.path.join(work, f))
    if not (os.path.exists(stamp) and filecmp.cmp(stamp, lock, shallow=False)):
        # --ignore-scripts: no package's install script runs on this machine
        r = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=work)
        if r.returncode != 0:
            fail("npm ci failed (the npm registry must be reachable at build time, "
                 "or its cache filled by an earlier build)")
        shutil.copyfile(lock, stamp)
    dist = os.path.join(work, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    r = subprocess.run([node, os.path.join(work, "build.mjs"), webdir, dist], cwd=work)
    if r.returncode != 0:
        fail("bundling the page with esbuild failed")
    r = subprocess.run([sys.executable, embed, "--assets", out, dist])
    if r.returncode != 0:
        fail("embedding the page failed")


if __name__ == "__main__":
    main()
