"""compose/stack.yml on a real single-node swarm (issue 20): `docker swarm init` on this engine,
the node labelled for every service's volume, the secrets made (SECRET_KEY and the SMTP password
with `docker secret create`, the bus's certificates with compose/swarm-bus-secrets), then
`docker stack deploy`. Checked: every task healthy, 3 svc-comments replicas, each task holding
only its own secrets (mode 0400, user talks) and the stack's settings read from them; then,
under a steady load of comments from concurrent clients (each comment its own form key, sent
again until it is answered 303, as a browser's retry would), a rolling update of svc-comments
(start-first) and of the gateway (stop-first: its host-mode port), and a replica killed (Swarm
starts another): every comment is there exactly once. Then SECRET_KEY is rotated (a new secret,
deployed again with its name): the gateway and svc-mail run with the new one, a form served
before (its CSRF token, an HMAC under the key) is refused as expired, a new one works.

Whatever happens, it removes the stack, its volumes, secrets and image, and leaves the swarm
(`docker swarm leave --force`), and removes the docker_gwbridge network that `swarm init` made.
Skips (with a SKIP line) when no Docker daemon answers, or when the engine is already part of
a swarm (not the test's to leave)."""
import http.client
import os
import secrets
import shlex
import threading
import time

import pytest

from helpers import (PASSWORD, TALK, Browser, api_comments, api_token, docker_problem, free_port,
                     guarded, publish_talk, run, say, try_request)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_FILE = os.path.join(ROOT, "compose", "stack.yml")
SERVICES = ("gateway", "svc-auth", "svc-talks", "svc-comments", "svc-mail")
REPLICAS = 3
WORKERS = 6
EMAIL = "swarm@example.com"
# a comment form's one-time key: what the page would have given (gateway/csrf.h)
FORM_KEY_LEN = 24

_problem = docker_problem()
if not _problem:
    state = run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], check=False).stdout.strip()
    if state != "inactive":
        _problem = f"this engine's swarm state is {state!r}: the test makes and leaves a swarm of its own"
if _problem:
    pytest.skip(_problem, allow_module_level=True)


class Swarm:
    def __init__(self):
        self.name = f"talks-swarm-{secrets.token_hex(4)}"
        self.image = f"{self.name}:latest"
        self.port = free_port()
        self.secret_key = f"{self.name}_secret_key_1"
        self.env = dict(os.environ, TALKS_IMAGE=self.image, TALKS_PORT=str(self.port),
                        TALKS_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
                        TALKS_SECRET_KEY_SECRET=self.secret_key,
                        TALKS_MAIL_PASSWORD_SECRET=f"{self.name}_mail_password",
                        TALKS_BUS_SECRETS=f"{self.name}_bus", TALKS_COMMENTS_REPLICAS=str(REPLICAS))
        self.timings = {}

    def timed(self, what, fn, *args, **kw):
        t = time.monotonic()
        result = fn(*args, **kw)
        self.timings[what] = time.monotonic() - t
        say(f"{what}: {self.timings[what]:.1f} s")
        return result

    def deploy(self):
        run(["docker", "stack", "deploy", "-c", STACK_FILE, self.name], env=self.env, timeout=120)

    def service(self, svc):
        return f"{self.name}_{svc}"

    def containers(self, svc):
        return run(["docker", "ps", "-q", "--filter",
                    f"label=com.docker.swarm.service.name={self.service(svc)}"]).stdout.split()

    def exec(self, svc, *cmd, **kw):
        return run(["docker", "exec", "-i", self.containers(svc)[0], *cmd], **kw)

    def replicas(self):
        """{service: "running/desired"}; a task with a health check runs once it is healthy."""
        out = run(["docker", "service", "ls", "--filter", f"label=com.docker.stack.namespace={self.name}",
                   "--format", "{{.Name}} {{.Replicas}}"]).stdout
        return {line.split()[0][len(self.name) + 1:]: line.split()[1] for line in out.splitlines()}

    def converged(self, timeout=180):
        t = time.monotonic()
        while True:
            r = self.replicas()
            want = {svc: f"{REPLICAS if svc == 'svc-comments' else 1}/{REPLICAS if svc == 'svc-comments' else 1}"
                    for svc in SERVICES}
            if r == want and try_request(Browser(self.port), "GET", "/healthz") == 200:
                return
            if time.monotonic() - t > timeout:
                ps = run(["docker", "stack", "ps", "--no-trunc", self.name], check=False).stdout
                raise AssertionError(f"not converged after {timeout} s: {r}\n{ps[-6000:]}")
            time.sleep(0.5)

    def update(self, svc, *args):
        """A rolling update (docker service update waits until it is done); its own report."""
        r = run(["docker", "service", "update", "--detach=false", "--quiet", *args, self.service(svc)],
                timeout=600, check=False)
        state = run(["docker", "service", "inspect", "-f", "{{json .UpdateStatus}}", self.service(svc)],
                    check=False).stdout.strip()
        assert r.returncode == 0 and '"State":"completed"' in state, (svc, r.stderr[-2000:], state)


@pytest.fixture(scope="module")
def swarm(docker_images):
    s = Swarm()
    had_gwbridge = run(["docker", "network", "inspect", "docker_gwbridge"], check=False).returncode == 0
    say(f"swarm stack {s.name}, http://127.0.0.1:{s.port}")
    t0 = time.monotonic()
    try:
        s.timed("image build (cached layers)", run, ["docker", "build", "-q", "-f",
                os.path.join(ROOT, "compose", "Dockerfile"), "-t", s.image, ROOT], timeout=1500)
        s.timed("swarm init", run, ["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"])
        labels = [a for svc in ("gateway", "auth", "talks", "comments", "mail")
                  for a in ("--label-add", f"talks.{svc}=true")]
        node = run(["docker", "info", "--format", "{{.Swarm.NodeID}}"]).stdout.strip()
        run(["docker", "node", "update", *labels, node])
        run(["docker", "secret", "create", s.secret_key, "-"], input=secrets.token_hex(24) + "\n")
        run(["docker", "secret", "create", f"{s.name}_mail_password", "-"], input="\n")  # no SMTP
        s.timed("bus secrets (compose/swarm-bus-secrets)", run,
                [os.path.join(ROOT, "compose", "swarm-bus-secrets"), f"{s.name}_bus"], env=s.env)
        s.timed("stack deploy", s.deploy)
        s.timed("every task healthy", s.converged)
        yield s
    finally:
        t = time.monotonic()
        run(["docker", "stack", "rm", s.name], check=False, timeout=120)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run(
                ["docker", "ps", "-a", "-q", "--filter", f"label=com.docker.stack.namespace={s.name}"],
                check=False).stdout.split():
            time.sleep(0.5)
        for c in run(["docker", "ps", "-a", "-q", "--filter", f"label=com.docker.stack.namespace={s.name}"],
                     check=False).stdout.split():
            run(["docker", "rm", "-f", c], check=False)
        for v in run(["docker", "volume", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={s.name}"],
                     check=False).stdout.split():
            run(["docker", "volume", "rm", "-f", v], check=False)
        run(["docker", "swarm", "leave", "--force"], check=False, timeout=120)
        if not had_gwbridge:
            run(["docker", "network", "rm", "docker_gwbridge"], check=False)
        run(["docker", "rmi", "--no-prune", s.image], check=False)
        left = run(["docker", "ps", "-a", "-q", "--filter", f"label=com.docker.stack.namespace={s.name}"],
                   check=False).stdout.split()
        left += run(["docker", "volume", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={s.name}"],
                    check=False).stdout.split()
        state = run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], check=False).stdout.strip()
        if state != "inactive":
            left.append(f"swarm {state}")
        say(f"swarm cleanup: {time.monotonic() - t:.1f} s" + (f", LEFT BEHIND: {left}" if left else ""))
        say(f"swarm total: {time.monotonic() - t0:.1f} s")


def test_each_task_holds_only_its_own_secrets(swarm):
    s = swarm
    own = {"gateway": {"secret_key", "bus_ca.pem", "bus_gateway.crt", "bus_gateway.key"},
           "svc-mail": {"secret_key", "mail_password", "bus_ca.pem", "bus_mail.crt", "bus_mail.key"}}
    for svc in SERVICES:
        role = svc.removeprefix("svc-")
        want = own.get(svc, {"bus_ca.pem", f"bus_{role}.crt", f"bus_{role}.key"})
        for c in s.containers(svc):
            r = run(["docker", "exec", c, "sh", "-c", "cd /run/secrets && stat -c '%n %a %U' *"])
            files = dict(line.split(" ", 1) for line in r.stdout.splitlines())
            assert set(files) == want and set(files.values()) == {"400 talks"}, (svc, files)
    # the settings come from the files: talksctl config says so (the values never)
    r = s.exec("gateway", "talksctl", "config")
    (line,) = [x for x in r.stdout.splitlines() if x.startswith("SECRET_KEY ")]
    assert line.split()[1:] == ["file", "(set)"], line
    r = s.exec("svc-mail", "talksctl", "config")
    (line,) = [x for x in r.stdout.splitlines() if x.startswith("MAIL_PASSWORD ")]
    assert line.split()[1:] == ["file", "(unset)"], line   # the secret is one newline: no SMTP
    # every health check is the service's own, and the backups' place in stack.yml works
    r = s.exec("svc-comments", "talksctl", "ping", "comments")
    assert r.stdout.startswith("svc-comments: up (replica "), r.stdout
    r = s.exec("svc-talks", "talksctl", "backup", "/var/lib/talks/backups", "--only", "talks")
    assert r.stdout.startswith("Backed up talks.db into /var/lib/talks/backups/"), r.stdout


def test_rolling_updates_and_a_killed_replica_under_load_lose_nothing(swarm):
    s = swarm
    r = s.exec("svc-auth", "talksctl", "adduser", "--admin", "--password-stdin", EMAIL, "swarm",
               input=PASSWORD + "\n")
    assert "registered successfully" in r.stdout, r.stdout + r.stderr
    ann = Browser(s.port)
    assert ann.login(EMAIL), "login failed"
    talk, talk_id = publish_talk(ann)
    token = ann.csrf(talk)
    assert len(s.containers("svc-comments")) == REPLICAS

    lock = threading.Lock()
    posted, retried, errors, events = [], [], [], {}
    done = threading.Event()

    def post(worker):
        b = Browser(s.port)
        b.cookies = dict(ann.cookies)
        n = 0
        while not done.is_set():
            body = f"swarm-w{worker}-n{n:04d}"
            form = {"body": body, "csrf_token": token, "form_key": secrets.token_urlsafe(18)}
            assert len(form["form_key"]) == FORM_KEY_LEN
            deadline = time.monotonic() + 120
            while True:  # the same form again until it is answered, as a browser's retry
                status = None
                try:
                    status = b.request("POST", talk, form, timeout=20).status
                except (OSError, http.client.HTTPException):
                    pass
                if status == 303:
                    break
                with lock:
                    retried.append(status)
                assert time.monotonic() < deadline, f"{body}: no 303 within 120 s (last {status})"
                time.sleep(0.2)
            with lock:
                posted.append(body)
            n += 1
            time.sleep(0.5)

    def chaos():
        def wait_more(k):
            start = len(posted)
            while len(posted) < start + k:
                time.sleep(0.05)
        try:
            wait_more(20)
            s.timed("rolling update of svc-comments (start-first, 3 replicas)", s.update,
                    "svc-comments", "--force")
            events["after comments update"] = len(posted)
            wait_more(20)
            s.timed("rolling update of the gateway (stop-first)", s.update, "gateway", "--force")
            events["after gateway update"] = len(posted)
            wait_more(20)
            before = set(s.containers("svc-comments"))
            victim = sorted(before)[0]
            run(["docker", "kill", victim])
            t = time.monotonic()
            while True:  # Swarm starts a new task in its place, which turns healthy
                now = set(s.containers("svc-comments"))
                if victim not in now and len(now - before) == 1 and s.replicas()["svc-comments"] == "3/3":
                    break
                assert time.monotonic() - t < 120, f"no new replica in 120 s: {s.replicas()}"
                time.sleep(0.2)
            s.timings["a killed replica replaced (healthy)"] = time.monotonic() - t
            events["after the kill"] = len(posted)
            wait_more(20)
        finally:
            done.set()

    t = time.monotonic()
    threads = [guarded(errors, post, w, then=done.set) for w in range(WORKERS)] + \
        [guarded(errors, chaos, then=done.set)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=900)
    assert not any(th.is_alive() for th in threads), "the load did not end in 15 min"
    assert not errors, errors
    say(f"{len(posted)} comments in {time.monotonic() - t:.1f} s by {WORKERS} clients through the "
        f"updates and the kill {events}; {len(retried)} answers retried: "
        f"{sorted(set(retried), key=str)}")
    say("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in s.timings.items()))

    bodies, last = api_comments(s.port, talk_id, api_token(s.port, EMAIL))
    dupes = sorted({b for b in bodies if bodies.count(b) > 1})
    assert not dupes, f"doubled: {dupes[:10]}"
    assert sorted(bodies) == sorted(posted), \
        f"{len(bodies)} comments for {len(posted)} posted, missing {sorted(set(posted) - set(bodies))[:10]}"
    # the replicas after it all: Swarm's, the new ones, all on the node with comments.db
    assert len(s.containers("svc-comments")) == REPLICAS


def test_a_rotated_secret_key_reaches_the_gateway_and_mail(swarm):
    s = swarm
    b = Browser(s.port)
    assert b.login(EMAIL)
    old_token = b.csrf("/new")
    new, value = f"{s.name}_secret_key_2", secrets.token_hex(24)
    run(["docker", "secret", "create", new, "-"], input=value + "\n")
    s.env["TALKS_SECRET_KEY_SECRET"] = new
    t = time.monotonic()
    s.deploy()
    for svc in ("gateway", "svc-mail"):
        t1 = time.monotonic()
        while True:  # deploy returns at once; wait for the update it started
            spec = run(["docker", "service", "inspect", "-f",
                        "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}",
                        s.service(svc)]).stdout.split()
            state = run(["docker", "service", "inspect", "-f", "{{json .UpdateStatus}}", s.service(svc)],
                        check=False).stdout
            if new in spec and '"State":"completed"' in state:
                break
            assert time.monotonic() - t1 < 300, (svc, spec, state)
            time.sleep(0.5)
    s.converged()
    say(f"SECRET_KEY rotated (deploy, gateway and svc-mail updated): {time.monotonic() - t:.1f} s")
    for svc in ("gateway", "svc-mail"):
        assert s.exec(svc, "cat", "/run/secrets/secret_key").stdout == value + "\n", svc
    # a form served before: its token was made under the old key
    r = b.request("POST", "/new", dict(TALK, csrf_token=old_token))
    assert r.status == 400 and "Form expired" in r.body, r.status
    r = b.request("POST", "/new", dict(TALK, csrf_token=b.csrf("/new")))
    assert r.status == 303, (r.status, r.body[-1000:])
    # the old secret is no longer in use: it can go
    r = run(["docker", "secret", "rm", s.secret_key], check=False)
    assert r.returncode == 0, shlex.join(["docker", "secret", "rm", s.secret_key]) + ": " + r.stderr
