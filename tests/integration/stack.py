"""The real stack for integration tests: the five processes with a temporary data dir, an HTTP
port of their own and the bus on its default ipc:// sockets under the data dir (or, with tls=True,
mutual TLS on loopback ports), driven over real sockets. Each test gets its own stack (see
conftest.py)."""
import html
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse
import weakref

BIN = os.environ.get("TALKS_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "san", "bin"))
PROCESSES = {
    "auth": "talks-auth",
    "talks": "talks-talks",
    "comments": "talks-comments",
    "mail": "talks-mail",
    "gateway": "talks-gateway",
}
# The bus addresses (TALKS_BUS_<NAME>) and their default socket under DATA_DIR/bus/.
BUS = {"AUTH": "auth", "TALKS": "talks", "COMMENTS": "comments", "MAIL": "mail",
       "EVENTS_IN": "events-in", "EVENTS_OUT": "events-out", "RELAY_MAIL": "relay-mail",
       "RELAY_TALKS": "relay-talks"}


LEAK_BLOCK = re.compile(r"^(Direct|Indirect) leak of .*?(?=^\S|\Z)", re.M | re.S)
OWN_FRAME = re.compile(r"#\d+ 0x[0-9a-f]+ in (\S+) (\S+)")


def nng_teardown_leak_only(log):
    """True when the log's only sanitizer report is nng 1.5.2's teardown race: a listener (or a
    dialer) closed while one of its pipes was still being set up (a peer connecting as the
    process stops, or a service stopped just after it dialled) is left as an endpoint and a
    pipe that only point at each other, all "Indirect", every object allocated inside libnng
    (on its threads, or by nng_listener_create/start, nng_dialer_create/start, or the
    nng_tls_config_* calls that made the TLS configuration such an endpoint holds), or by the TLS
    library it calls on its threads (mbedtls: a pipe of a TLS bus caught in its handshake). The
    process then exits 1 with that report although nothing of ours leaked. Anything else is a
    real report: a direct leak, any leak with a frame of our code below nng's API, any other
    sanitizer error."""
    report = log.partition("ERROR: LeakSanitizer: detected memory leaks")[2]
    if not report or "Sanitizer" in log.partition("ERROR: LeakSanitizer")[0] \
            or "Direct leak" in report or "runtime error" in log:
        return False
    blocks = [m.group(0) for m in LEAK_BLOCK.finditer(report)]
    if not blocks:
        return False
    for block in blocks:
        if "in nng_tls_config_" in block or any(
                f"in nng_{end}_{step}" in block
                for end in ("listener", "dialer") for step in ("create", "start")):
            continue
        frames = OWN_FRAME.findall(block)
        if any(func not in ("__interceptor_calloc", "__interceptor_malloc", "start_thread")
               and "/libmbed" not in where for func, where in frames):
            return False
    return True


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


def freeze(pid):
    """SIGSTOP, and wait until the process is really stopped: the signal is delivered
    asynchronously, and a request sent at once could still be answered."""
    os.kill(pid, signal.SIGSTOP)

    def stopped():
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
    wait_until(stopped, 5, f"process {pid} to stop")


def short_link(target):
    """A new short path, /tmp/tk<random>, that is a symbolic link to target. A Unix socket's path
    has at most 107 bytes and pytest's temporary folders are long, so the stack's data dir (and
    with it DATA_DIR/bus/, where the bus's sockets are) is reached through such a link, while
    its files stay in the test's folder."""
    while True:
        link = os.path.join("/tmp", "tk" + secrets.token_hex(4))
        try:
            os.symlink(target, link)
            return link
        except FileExistsError:
            continue


def _remove_link(link):
    try:
        os.unlink(link)
    except FileNotFoundError:
        pass


def thread_stacks(pid):
    """Every thread's stack of a running process, as gdb prints it (or why there is none)."""
    try:
        return subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                              capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(no thread stacks: {e})"


class Stack:
    """extra_env overrides the environment of every process (TALKS_DATA_DIR names the real data
    dir, still reached through a short link). tls=True puts every TALKS_BUS_* address on
    tls+tcp:// loopback ports with certificates from `talksctl bus-certs` in DIR/certs, each
    process presenting its own role's (talksctl: ctl's); the control sockets stay ipc://."""

    def __init__(self, tmpdir, extra_env=None, tls=False):
        self.dir = str(tmpdir)
        extra_env = dict(extra_env or {})
        self.real_data_dir = extra_env.pop("TALKS_DATA_DIR", os.path.join(self.dir, "var"))
        if os.path.isdir(os.path.dirname(self.real_data_dir)):
            self._make_data_dir()  # else at the first start: the test makes the folder first
        self.data_dir = short_link(self.real_data_dir)
        weakref.finalize(self, _remove_link, self.data_dir)
        self.port = free_ports(1)[0]
        self.env = dict(os.environ)
        for name in [*(f"TALKS_BUS_{n}" for n in BUS), "TALKS_BUS_CA", "TALKS_BUS_CERT",
                     "TALKS_BUS_KEY"]:
            self.env.pop(name, None)  # the defaults, unless this stack says otherwise
        self.env.update({
            "TALKS_ENV": "testing",
            "TALKS_DATA_DIR": self.data_dir,
            "TALKS_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
        })
        self.certs = None
        if tls:
            self._use_tls()
        self.env.update(extra_env)
        self.procs = {}
        self.logs = {}

    def _make_data_dir(self):
        """The link's target must exist: a process would find a dangling link unusable."""
        try:
            os.makedirs(self.real_data_dir, exist_ok=True)
        except OSError:
            pass  # a test of a bad data dir: the process says what is wrong with it

    def _use_tls(self):
        self.certs = os.path.join(self.dir, "certs")
        r = subprocess.run([os.path.join(BIN, "talksctl"), "bus-certs", self.certs], env=self.env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        for name, port in zip(BUS, free_ports(len(BUS))):
            self.env[f"TALKS_BUS_{name}"] = f"tls+tcp://127.0.0.1:{port}"
        self.env["TALKS_BUS_CA"] = self.cert("ca.pem")

    def cert(self, name):
        """A file of DIR/certs: ca.pem, <role>.crt or <role>.key."""
        return os.path.join(self.certs, name)

    def env_of(self, role):
        """The environment of a process of that role (gateway, auth, ..., ctl): with TLS, its own
        certificate and key."""
        if not self.certs:
            return self.env
        return dict(self.env, TALKS_BUS_CERT=self.cert(f"{role}.crt"),
                    TALKS_BUS_KEY=self.cert(f"{role}.key"))

    def address(self, name):
        """The address TALKS_BUS_<name> (AUTH, RELAY_MAIL, ...) or TALKS_CTL_<name>.ctl as the
        processes see it, e.g. ipc:///tmp/tk1a2b3c4d/bus/auth."""
        setting = f"TALKS_BUS_{name}" if name in BUS else f"TALKS_CTL_{name.split('.')[0].upper()}"
        default = f"ipc://{self.data_dir}/bus/{BUS.get(name, name)}"
        return self.env.get(setting, default).replace("${TALKS_DATA_DIR}", self.data_dir)

    def start(self, name, exe=None, extra_env=None):
        """Starts a process; exe names the program when name is a second copy (a replica);
        extra_env adds to (or overrides) that process's environment only."""
        self._make_data_dir()
        exe = exe or PROCESSES[name]
        role = next(r for r, program in PROCESSES.items() if program == exe)
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        self.logs[name] = log
        self.procs[name] = subprocess.Popen([os.path.join(BIN, exe)],
                                            env=dict(self.env_of(role), **(extra_env or {})),
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

    def stop(self, name, sig=signal.SIGTERM, timeout=10):
        """Signals the process and waits for it: its exit code. One that does not exit within
        timeout seconds is killed, and fails the test with its threads' stacks and its log."""
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # What each thread waits on is the only clue a CI run leaves of a stop that hangs.
            threads = thread_stacks(proc.pid)
            proc.kill()
            proc.wait()
            raise AssertionError(f"{name} did not stop within {timeout} s of signal {int(sig)}:"
                                 f"\n{threads}\n--- {name}.log ---\n{self.log(name)[-3000:]}")
        finally:
            self.logs.pop(name).close()
        return code

    def stop_timed(self, name, timeout=10):
        """stop on SIGTERM: (exit code, seconds it took)."""
        start = time.monotonic()
        code = self.stop(name, timeout=timeout)
        return code, time.monotonic() - start

    def stop_all(self):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        return {name: self.stop(name) for name in list(self.procs)}

    def stop_all_cleanly(self):
        """stop_all, and every process stopped cleanly on SIGTERM: exit 0, no sanitizer report."""
        self.assert_clean_exits(self.stop_all())

    def assert_clean_exits(self, codes):
        """Each process of codes ({name: exit code}) exited 0 with no sanitizer report, but for
        nng's own teardown race (see nng_teardown_leak_only)."""
        for name, code in codes.items():
            log = self.log(name)
            if nng_teardown_leak_only(log):
                continue
            assert code == 0, f"{name} exited with {code}:\n{log[-3000:]}"
            assert "Sanitizer" not in log, log[-3000:]

    def log(self, name):
        with open(os.path.join(self.dir, f"{name}.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def talksctl(self, *args, stdin=None):
        self._make_data_dir()
        return subprocess.run([os.path.join(BIN, "talksctl"), *args], env=self.env_of("ctl"),
                              cwd=self.dir, input=stdin, capture_output=True, text=True, timeout=20)

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
