"""The real stack for integration tests: the five processes on free ports with a temporary
data dir, driven over real sockets. Each test gets its own stack (see conftest.py)."""
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse

BIN = os.environ.get("TALKS_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "san", "bin"))
PROCESSES = {
    "auth": "talks-auth",
    "talks": "talks-talks",
    "comments": "talks-comments",
    "mail": "talks-mail",
    "gateway": "talks-gateway",
}


def free_ports(n):
    """n distinct free ports: all held open together, since the kernel may hand a just-closed
    port out again."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_until(condition, timeout, what):
    """Polls condition() until it is true or timeout seconds pass; fails with what."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Stack:
    def __init__(self, tmpdir, extra_env=None):
        self.dir = str(tmpdir)
        ports = free_ports(8)
        self.port = ports.pop()
        self.env = dict(os.environ)
        self.env.update({
            "TALKS_ENV": "testing",
            "TALKS_DATA_DIR": os.path.join(self.dir, "var"),
            "TALKS_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
        })
        for svc in ("AUTH", "TALKS", "COMMENTS", "MAIL", "EVENTS_IN", "EVENTS_OUT", "RELAY"):
            self.env[f"TALKS_BUS_{svc}"] = f"tcp://127.0.0.1:{ports.pop()}"
        self.env.update(extra_env or {})
        self.procs = {}
        self.logs = {}

    def start(self, name, exe=None):
        """Starts a process; exe names the program when name is a second copy (a replica)."""
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        self.logs[name] = log
        self.procs[name] = subprocess.Popen([os.path.join(BIN, exe or PROCESSES[name])], env=self.env,
                                            cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)

    def start_all(self):
        """Starts every process; if the stack does not come up, stops what it started."""
        try:
            for name in PROCESSES:
                self.start(name)
            wait_until(lambda: self.healthy(), 15, "every service to report up on /healthz")
        except BaseException:
            self.stop_all()
            raise

    def healthy(self):
        try:
            return self.request("GET", "/healthz").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def stop(self, name, sig=signal.SIGTERM):
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        code = proc.wait(timeout=10)
        self.logs.pop(name).close()
        return code

    def stop_all(self):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        return {name: self.stop(name) for name in list(self.procs)}

    def log(self, name):
        with open(os.path.join(self.dir, f"{name}.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def talksctl(self, *args, stdin=None):
        return subprocess.run([os.path.join(BIN, "talksctl"), *args], env=self.env, cwd=self.dir,
                              input=stdin, capture_output=True, text=True, timeout=20)

    def adduser(self, email, username, password="correct horse", admin=False):
        args = ["adduser", "--password-stdin", email, username]
        if admin:
            args.insert(1, "--admin")
        r = self.talksctl(*args, stdin=password + "\n")
        assert r.returncode == 0, r.stderr
        return r

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            resp.body = resp.read().decode("utf-8", "replace")
            return resp
        finally:
            conn.close()

    def browser(self):
        return Browser(self)


class Browser:
    """A visitor with a cookie jar, like a web browser (no redirects followed automatically)."""

    def __init__(self, stack):
        self.stack = stack
        self.cookies = {}

    def _absorb(self, resp):
        for header, value in resp.getheaders():
            if header.lower() != "set-cookie":
                continue
            name, _, rest = value.partition("=")
            val = rest.split(";", 1)[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val

    def request(self, method, path, form=None, headers=None, raw_body=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = raw_body
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        resp = self.stack.request(method, path, body=body, headers=headers)
        self._absorb(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def csrf(self, path="/"):
        page = self.get(path)
        m = (re.search(r'name="csrf_token" value="([^"]+)"', page.body)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', page.body))
        assert m, f"no csrf_token on {path}"
        return html.unescape(m.group(1))

    def submit(self, form_path, action, fields):
        """GETs the page holding the form (for its CSRF token), then POSTs the fields."""
        token = self.csrf(form_path)
        return self.post(action, dict(fields, csrf_token=token))

    def login(self, email, password="correct horse", **extra):
        return self.submit("/auth/login", "/auth/login", dict(email=email, password=password, **extra))


def flashes(page_html):
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page_html, re.S)]


# ---- helpers shared by the talk and comment tests ----

TALK = {"title": "Fearless C", "description": "Line one\nLine two", "slides": "", "video": "",
        "venue": "FOSDEM", "venue_url": "https://fosdem.org/", "date": "2024-02-03"}


def speaker(stack, name="ann", admin=False):
    stack.adduser(f"{name}@example.com", name, admin=admin)
    b = stack.browser()
    b.login(f"{name}@example.com")
    return b


def publish(b, **fields):
    r = b.submit("/new", "/new", dict(TALK, **fields))
    assert r.status == 303, r.body
    return r.getheader("Location")
