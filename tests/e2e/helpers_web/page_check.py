#!/usr/bin/python3
"""page_check: drives Debian's headless Chromium over the DevTools protocol
(python3-websocket) against karakuri's page, for test_web_page.sh and
test_web_xss.sh.

  page_check.py page BASE TOKEN OUTDIR SESSION SRC COMMAND OUTPUT
  page_check.py xss  BASE TOKEN OUTDIR SESSION NEEDLE...

Both log in through the token form, go through the views and write a
screenshot of each into OUTDIR; both fail (exit 1, saying why) on any
console error, uncaught exception or CSP violation, and on any request to
anything but BASE. `page` checks that SESSION is listed, that its view
shows COMMAND among its commands and (when the API serves the terminal)
OUTPUT in the played terminal, and (when it serves the graph) that SRC's
graph has an attacker and a gateway. `xss` checks that each NEEDLE (a
hostile string) is on the page as text, that window.__xss stays unset, that
no element came out of the data (no img, no extra script, no javascript:
link) and that the title is still the page's."""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Fail(Exception):
    pass


class Browser:
    def __init__(self, base, outdir):
        self.base = base.rstrip("/")
        self.outdir = outdir
        self.profile = tempfile.mkdtemp(prefix="karakuri-chromium.")
        self.log = open(os.path.join(outdir, "chromium.log"), "w")
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + self.profile,
             "--no-first-run", "--no-default-browser-check", "--disable-gpu",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", "--disable-default-apps", "--disable-features=Translate",
             "--metrics-recording-only", "--mute-audio", "--window-size=1400,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        port = None
        end = time.time() + 30
        while time.time() < end and port is None:
            line = self.proc.stderr.readline().decode(errors="replace")
            if not line:
                if self.proc.poll() is not None:
                    raise Fail("chromium exited: %s" % self.proc.returncode)
                continue
            self.log.write(line)
            if "DevTools listening on ws://" in line:
                port = int(line.split("ws://")[1].split("/")[0].split(":")[1])
        if port is None:
            raise Fail("chromium gave no DevTools port")
        # the rest of chromium's stderr goes to the log file
        self.drain = subprocess.Popen(["cat"], stdin=self.proc.stderr, stdout=self.log)
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.errors = []
        self.requests = []
        for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            self.call(m)

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except Exception:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except Exception:
                pass
        try:
            self.drain.wait(timeout=5)
        except Exception:
            pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def on_event(self, msg):
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.errors.append("console.%s: %s" % (p["type"], args))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: %s %s" % (d.get("text"), d.get("exception", {}).get("description", "")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            e = p["entry"]
            self.errors.append("log %s/%s: %s %s" % (e.get("source"), e.get("level"), e.get("text"), e.get("url", "")))
        elif m == "Network.requestWillBeSent":
            self.requests.append(p.get("request", {}).get("url", ""))

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise Fail("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.on_event(msg)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise Fail("evaluating %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def wait(self, expr, what, secs=20):
        end = time.time() + secs
        while time.time() < end:
            if self.eval(expr):
                return
            time.sleep(0.25)
        self.screenshot("failed")
        raise Fail("timed out waiting for %s" % what)

    def pump(self, secs):
        """Lets events come in for secs."""
        end = time.time() + secs
        while time.time() < end:
            self.eval("1")
            time.sleep(0.1)

    def screenshot(self, name):
        r = self.call("Page.captureScreenshot", format="png")
        with open(os.path.join(self.outdir, name + ".png"), "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def go(self, hash_):
        self.eval("location.hash = %s" % json.dumps(hash_))

    def login(self, token):
        self.call("Page.navigate", url=self.base + "/")
        self.wait("!!document.querySelector('#token-form input')", "the token form")
        self.eval("(() => { const i = document.querySelector('#token-form input'); i.value = %s;"
                  " document.getElementById('token-form').requestSubmit(); })()" % json.dumps(token))
        self.wait("document.querySelector('main h1') && document.querySelector('main h1').textContent === 'Overview'",
                  "the overview after the token")

    def text(self, sel="body"):
        return self.eval("(document.querySelector(%s) || {}).textContent || ''" % json.dumps(sel))

    def check_clean(self):
        """No console error, no request but to the page's own origin."""
        self.pump(0.5)
        if self.errors:
            raise Fail("the console has errors:\n  " + "\n  ".join(self.errors))
        away = [u for u in self.requests if not (u.startswith(self.base + "/") or u == self.base)
                and not u.startswith("data:") and not u.startswith("blob:")]
        if away:
            raise Fail("requests left %s: %s" % (self.base, away))
        if not all(u.startswith("http://127.0.0.1:") or u.startswith("data:") or u.startswith("blob:")
                   for u in self.requests):
            raise Fail("a request left 127.0.0.1")


def page(b, token, sid, src, command, output):
    b.login(token)
    b.screenshot("overview")
    b.go("#/sessions")
    b.wait("!!document.querySelector('#sessions-table tr[data-id=%s]')" % json.dumps(json.dumps(sid))[1:-1],
           "session %s in the table" % sid)
    b.screenshot("sessions")
    # the search keeps it and hides what does not match
    b.eval("(() => { const s = document.getElementById('session-search'); s.value = %s;"
           " s.dispatchEvent(new Event('input')); })()" % json.dumps(sid))
    if b.eval("document.querySelectorAll('#sessions-table tbody tr').length") != 1:
        raise Fail("searching for %s does not leave its one row" % sid)
    b.eval("document.querySelector('#sessions-table tr[data-id=%s] a').click()" % json.dumps(json.dumps(sid))[1:-1])
    b.wait("!!document.getElementById('session-view')", "the session view")
    b.wait("document.getElementById('session-view').textContent.includes(%s)" % json.dumps(command),
           "the command %r in the session view" % command)
    has_tty = b.eval("fetch('/api/v1/openapi.json', {headers: {Authorization: 'Bearer ' + "
                     "sessionStorage.getItem('karakuri.token')}}).then(r => r.json())"
                     ".then(d => !!d.paths['/sessions/{id}/tty/{n}'])")
    if has_tty:
        b.wait("!!document.querySelector('#player .ap-term, #player pre, #player .ap-terminal')", "the player", 20)
        b.wait("document.getElementById('player').textContent.includes(%s)" % json.dumps(output),
               "the output %r in the played terminal" % output, 40)
        print("page_check: the terminal played and shows %r" % output)
    else:
        b.wait("document.getElementById('term') === null || "
               "document.getElementById('term').textContent.includes('does not serve')",
               "the note that the terminal is not served")
        print("page_check: no tty route in openapi.json: the session view says so (terminal not checked)")
    b.screenshot("session")
    b.go("#/intrusions")
    b.wait("document.querySelector('main h1') && document.querySelector('main h1').textContent === 'Intrusions'",
           "the intrusions view")
    b.screenshot("intrusions")
    has_graph = b.eval("fetch('/api/v1/openapi.json', {headers: {Authorization: 'Bearer ' + "
                       "sessionStorage.getItem('karakuri.token')}}).then(r => r.json())"
                       ".then(d => !!d.paths['/intrusions/{src}/graph'])")
    if has_graph:
        b.go("#/graph/" + src)
        b.wait("!!window.__karakuriGraph", "the intrusion graph", 20)
        g = b.eval("window.__karakuriGraph")
        if "attacker" not in g["kinds"] or "gateway" not in g["kinds"] or g["edges"] < 1:
            raise Fail("the graph lacks the attacker, the gateway or an edge: %s" % g)
        b.pump(1)
        b.screenshot("graph")
        print("page_check: graph: %s" % g)
    else:
        print("page_check: no graph route in openapi.json (graph not checked)")
    for view, title in (("hosts", "Hosts"), ("ports", "Ports & payloads"), ("overview", "Overview")):
        b.go("#/" + view)
        b.wait("document.querySelector('main h1') && document.querySelector('main h1').textContent === %s"
               % json.dumps(title), "the %s view" % view)
        b.pump(0.5)
        b.screenshot(view)
    b.check_clean()
    print("page_check: ok: %d requests, all to %s" % (len(b.requests), b.base))


def xss(b, token, sid, needles):
    b.eval("window.__xss = undefined")
    b.login(token)
    b.go("#/sessions")
    b.wait("document.querySelectorAll('#sessions-table tbody tr').length > 0", "the sessions table")
    b.screenshot("xss-sessions")
    body = b.text("main")
    b.go("#/session/" + sid)
    b.wait("!!document.getElementById('session-view')", "the hostile session's view")
    b.pump(3)  # the terminal plays, when served
    b.screenshot("xss-session")
    body += b.text("main")
    for view in ("hosts", "intrusions", "ports", "overview"):
        b.go("#/" + view)
        b.pump(1)
        body += b.text("main")
    b.screenshot("xss-overview")
    missing = [n for n in needles if n not in body]
    if missing:
        raise Fail("hostile strings not shown as text: %s" % missing)
    checks = {
        "window.__xss": "window.__xss === undefined",
        "an img element": "document.querySelectorAll('img').length === 0",
        "a script element": "document.querySelectorAll('script').length === 1",
        "a javascript: link": "document.querySelectorAll('[href^=\"javascript\" i], [src^=\"javascript\" i]').length === 0",
        "an iframe, object or embed": "document.querySelectorAll('iframe, object, embed').length === 0",
        "the title": "document.title === 'karakuri'",
        "an inline handler": "![...document.querySelectorAll('*')].some(e => [...e.attributes].some(a => a.name.startsWith('on')))",
    }
    for what, expr in checks.items():
        if not b.eval(expr):
            raise Fail("set off by the data: %s" % what)
    b.check_clean()
    print("page_check: xss ok: %d hostile strings shown as text, window.__xss unset" % len(needles))


def main():
    if len(sys.argv) < 6 or sys.argv[1] not in ("page", "xss"):
        sys.stderr.write(__doc__)
        return 2
    mode, base, token, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    b = None
    try:
        b = Browser(base, outdir)
        if mode == "page":
            page(b, token, *sys.argv[5:9])
        else:
            xss(b, token, sys.argv[5], sys.argv[6:])
    except Fail as e:
        sys.stderr.write("page_check: FAIL: %s\n" % e)
        if b and b.errors:
            sys.stderr.write("page_check: console: %s\n" % b.errors)
        return 1
    finally:
        if b:
            b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
