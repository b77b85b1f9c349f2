"""What the Docker tests (tests/compose/) share: running commands, printing past pytest's capture,
the Docker checks, a browser with a cookie jar, and the API calls that read a talk's comments."""
import base64
import html
import http.client
import json
import re
import shlex
import shutil
import socket
import subprocess
import threading
import urllib.parse

PASSWORD = "compose test password"
TALK = {"title": "Containers, calmly", "description": "One image, five services.", "slides": "",
        "video": "", "venue": "Test conf", "venue_url": "https://example.org/", "date": "2025-05-04"}


_capture = None  # pytest's capture manager, set by the session's fixture (conftest.py)


def set_capture(capture):
    global _capture
    _capture = capture


def say(line):
    """Straight to the terminal, past pytest's capture: the timings are the point of the run."""
    if _capture is None:
        print(f"compose-test: {line}", flush=True)
        return
    with _capture.global_and_fixture_disabled():
        print(f"compose-test: {line}", flush=True)


def run(cmd, timeout=120, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{shlex.join(cmd)} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def docker_problem():
    if not shutil.which("docker"):
        return "no docker command"
    try:
        r = run(["docker", "info"], timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer in 30 s"
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines()
        return "no Docker daemon answers (`docker info`: " + (lines[-1] if lines else f"exit {r.returncode}") + ")"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- HTTP: a visitor with a cookie jar, no redirects followed ---------------------------------

class Browser:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None, headers=None, timeout=15):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.body = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                if "Max-Age=0" in value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = rest.split(";", 1)[0]
        return resp

    def csrf(self, path):
        page = self.request("GET", path)
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.body) or \
            re.search(r'<meta name="csrf-token" content="([^"]+)"', page.body)
        assert m, f"no csrf_token on {path} (status {page.status})"
        return html.unescape(m.group(1))

    def login(self, email):
        """True when the login form worked end to end (session cookie set)."""
        try:
            token = self.csrf("/auth/login")
            r = self.request("POST", "/auth/login",
                             {"email": email, "password": PASSWORD, "csrf_token": token})
        except (OSError, http.client.HTTPException, AssertionError):
            return False
        return r.status == 303 and "talks_session" in self.cookies


def try_request(b, method, path):
    try:
        return b.request(method, path, timeout=5).status
    except (OSError, http.client.HTTPException):
        return None


def images():
    return set(run(["docker", "images", "-a", "-q", "--no-trunc"]).stdout.split())


def api_comments(port, talk_id, token):
    """Every comment of the talk through the API, page by page (pending ones too: the token is
    the speaker's)."""
    b, bodies, page = Browser(port), [], 1
    while True:
        r = b.request("GET", f"/api/1.0/talks/{talk_id}/comments?page={page}",
                      headers={"Authorization": f"Bearer {token}"})
        assert r.status == 200, r.body
        doc = json.loads(r.body)
        items = doc.get("comments", [])
        bodies += [c["body"] for c in items]
        if not doc.get("next") or not items:
            return bodies, doc
        page += 1


def api_token(port, email):
    cred = base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()
    r = Browser(port).request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {cred}"})
    assert r.status == 200, r.body
    return json.loads(r.body)["token"]


def inspect(container, what):
    return json.loads(run(["docker", "inspect", "-f", "{{json " + what + "}}", container]).stdout)


def remove_images_made_since(before):
    """Removes the images made since before (a set of ids, from images()): what builds left,
    the build stage and its layers, and the containers of failed build steps (the legacy builder
    keeps them)."""
    made = images() - before
    for image_id in made:
        for c in run(["docker", "ps", "-a", "-q", "--filter", f"ancestor={image_id}"],
                     check=False).stdout.split():
            run(["docker", "rm", "-f", c], check=False)
    for _ in range(3):  # parents go once their children are gone
        for image_id in made & images():
            run(["docker", "rmi", "-f", image_id], check=False)
    return made & images()


def publish_talk(b):
    """b (logged in) publishes TALK: its path and id."""
    r = b.request("POST", "/new", dict(TALK, csrf_token=b.csrf("/new")))
    assert r.status == 303, r.body[-2000:]
    talk = r.getheader("Location").split("?")[0]
    return talk, int(talk.rstrip("/").rsplit("/", 1)[1])


def guarded(errors, fn, *args, then=None):
    """A thread running fn(*args) that appends what it raises to errors (and calls then)."""
    def body():
        try:
            fn(*args)
        except BaseException as e:  # noqa: BLE001 - the caller reports errors
            errors.append(f"{fn.__name__}: {e!r}")
            if then:
                then()
    return threading.Thread(target=body)
