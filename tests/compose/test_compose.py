"""The Docker stack, on real Docker (issue 6): build the image with compose/Dockerfile, bring up
compose/docker-compose.yml with three svc-comments replicas (the one-shot bus-certs service makes
the bus's certificates first), check the closed bus (SPEC section 9: every bus address is
tls+tcp://, each role's containers hold only their own key on their own read-only volume, a
plain-TCP peer on the project's network gets nothing from any bus port while a plain listener
would answer it, a plain tcp:// address is refused in production), make a speaker with
`exec svc-auth talksctl adduser`, publish a talk, post 200 comments from concurrent clients while
one comment replica is killed (`docker kill`) and svc-auth is restarted (`docker-compose
restart`), then check: every comment exactly once, every replica served some, the home page never
failed, login works again within 5 s of the restart, `talksctl backup` run in each service's
container (as docs/operations.md's cron line does) copies each database online into its host folder
and the comments' copy holds them all, `talksctl restore` refuses while the stack runs and, the
stack stopped, puts every copy back with `run --rm --no-deps` (an account made after the backup is
gone), data and the bus certificates (the same ca.pem) survive `down` + `up`, `down -v` starts fresh
(new certificates too). Then the same image without a command (test_one_container): the whole
stack in one container under `talksctl run`, on one volume at /data, stopped with `docker stop`
(exit code 0) and started again on the same volume. Prints the timings, the runtime image's size
and each container's memory. Everything it made (containers, network, volumes, images) is removed at the end, whatever
happened.

Every test runs twice, with docker-compose 1.29 and with Compose v2 (`docker compose`: the
installed plugin, or one built from its Go module and cached, tests/compose/compose_v2.py), on
the same compose file; the image is built once, by the first, and the second's build finds
every step cached. Each variant skips (with a SKIP line saying why) when it cannot run, and all
of it when no Docker daemon answers. Needs the base image `debian:bookworm-slim`: made with
scripts/mkbase.sh (debootstrap) when missing.
    /usr/bin/python3 -m pytest -q tests/compose          (or: make compose-test)
Environment: TALKS_COMPOSE="docker compose" (or any command) runs only with that one;
TALKS_COMPOSE_KEEP=1 leaves the stack running for a look (clean up by hand)."""
import datetime
import hashlib
import html
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

import compose_v2
from helpers import (PASSWORD, TALK, Browser, api_comments, api_token, docker_problem, free_port,
                     guarded, inspect, publish_talk, run, say, try_request)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE_FILE = os.path.join(ROOT, "compose", "docker-compose.yml")
COMMENTS, WORKERS = 200, 8
REPLICAS = 3
# compose service -> its bus role (the certificate it holds, /etc/talks/bus/<role>/)
ROLES = {"gateway": "gateway", "svc-auth": "auth", "svc-talks": "talks",
         "svc-comments": "comments", "svc-mail": "mail"}
# TALKS_BUS_<name> on port 7101 + index, and the SP protocol a peer of the gateway's socket there
# speaks (hex: rep0 31, req0 30, pub0 20, sub0 21), for the plain-TCP probe
BUS = [("AUTH", "31"), ("TALKS", "31"), ("COMMENTS", "31"), ("MAIL", "31"),
       ("EVENTS_IN", "20"), ("EVENTS_OUT", "21"), ("RELAY_MAIL", "30"), ("RELAY_TALKS", "30")]
# A plain-TCP peer, in bash (what the image has): HOST PORT:PROTO... For each port, connect, send
# the SP header a bus peer sends first (\0 S P \0, protocol, two zero bytes), print in hex what
# comes back within 2 s. A plain tcp:// listener answers with its own SP header (then requests,
# events...); a tls+tcp:// one expects a TLS ClientHello and drops us.
PROBE = r"""
host=$1; shift
for pp in "$@"; do
    port=${pp%%:*}; proto=${pp##*:}
    if ! exec 3<>"/dev/tcp/$host/$port"; then echo "$port: no connection"; continue; fi
    printf "\x00SP\x00\x00\x$proto\x00\x00" >&3
    got=$(timeout 2 dd bs=256 count=1 status=none <&3 | od -An -tx1 | tr -s ' \n' ' ')
    exec 3<&- 3>&-
    echo "$port:${got:- nothing}"
done
"""
SP_HEADER = "00 53 50 00"


# The compose commands each test runs with: TALKS_COMPOSE alone when it is set.
VARIANTS = ["forced"] if os.environ.get("TALKS_COMPOSE") else ["v1", "v2"]


def compose_command(variant):
    """(command, None), or (None, why it cannot run)."""
    if variant == "forced":
        return shlex.split(os.environ["TALKS_COMPOSE"]), None
    if variant == "v1":
        if shutil.which("docker-compose"):
            return ["docker-compose"], None
        return None, "docker-compose (v1) is not installed"
    try:
        if run(["docker", "compose", "version"], timeout=30, check=False).returncode == 0:
            return ["docker", "compose"], None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return compose_v2.command(say)


_problem = docker_problem()
if _problem:
    pytest.skip(_problem, allow_module_level=True)


# ---- the stack ---------------------------------------------------------------------------------

class Stack:
    def __init__(self, tmp, compose):
        self.project = f"talks-test-{secrets.token_hex(4)}"
        self.port = free_port()
        self.image = f"{self.project}:latest"
        self.env_file = os.path.join(tmp, "test.env")
        # The backups' host folder: one folder per service, owned by the containers' user.
        self.backups = os.path.join(tmp, "backups")
        for svc in ("auth", "talks", "comments", "mail"):
            os.makedirs(os.path.join(self.backups, svc))
            if os.geteuid() == 0:
                os.chown(os.path.join(self.backups, svc), 10001, 10001)
            else:
                os.chmod(os.path.join(self.backups, svc), 0o777)
        settings = {
            "SECRET_KEY": secrets.token_hex(24),
            "TALKS_PORT": str(self.port),
            "TALKS_BIND": "127.0.0.1",
            "TALKS_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "TALKS_IMAGE": self.image,
            "COMMENTS_PER_PAGE": "100",
            "TALKS_BACKUP_DIR": self.backups,
        }
        with open(self.env_file, "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in settings.items())
        # The test's env file replaces compose/.env; nothing from the caller's shell may win over it.
        with open(os.path.join(ROOT, "compose", ".env.example")) as f:
            known = set(re.findall(r"^([A-Z_]+)=", f.read(), re.M)) | set(settings)
        self.env = {k: v for k, v in os.environ.items() if k not in known}
        self.cmd = compose + ["--env-file", self.env_file, "-f", COMPOSE_FILE, "-p", self.project]
        self.timings = {}

    def compose(self, *args, timeout=180, check=True, **kw):
        return run(self.cmd + list(args), timeout=timeout, check=check, env=self.env, **kw)

    def timed(self, name, fn, *args, **kw):
        t = time.monotonic()
        result = fn(*args, **kw)
        self.timings[name] = time.monotonic() - t
        say(f"{name}: {self.timings[name]:.1f} s")
        return result

    def containers(self, service, running_only=True):
        cmd = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
               "--filter", f"label=com.docker.compose.service={service}"]
        if not running_only:
            cmd.insert(2, "-a")
        return run(cmd).stdout.split()

    def wait_healthy(self, timeout=90):
        b = Browser(self.port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if try_request(b, "GET", "/healthz") == 200:
                return
            time.sleep(0.2)
        logs = self.compose("logs", "--tail=30", check=False).stdout
        raise AssertionError(f"/healthz not 200 after {timeout}s\n{logs[-6000:]}")

    def up(self, *extra, timeout=300):
        self.compose("up", "-d", *extra, "--scale", f"svc-comments={REPLICAS}", timeout=timeout)
        self.wait_healthy()

    def bus_files(self, service):
        """{path: "mode owner sha256"} of every file under /etc/talks/bus in the service's
        (first) container."""
        r = self.compose("exec", "-T", service, "sh", "-c",
                         'for f in $(find /etc/talks/bus -type f); do '
                         'echo "$f $(stat -c "%a %U" "$f") $(sha256sum < "$f" | cut -c1-64)"; done')
        return dict(line.split(" ", 1) for line in r.stdout.splitlines())

    def bus_ca(self):
        """The sha256 of the CA bundle the gateway holds."""
        return self.bus_files("gateway")["/etc/talks/bus/gateway/ca.pem"].split()[-1]

    def adduser(self, email, name):
        return self.compose("exec", "-T", "svc-auth", "talksctl", "adduser", "--admin",
                            "--password-stdin", email, name, input=PASSWORD + "\n", check=False)


@pytest.fixture(scope="module", params=VARIANTS)
def stack(request, docker_images):
    compose, why = compose_command(request.param)
    if not compose:
        pytest.skip(f"{request.param}: {why}")
    tmp = tempfile.mkdtemp(prefix="talks-compose-")
    s = Stack(tmp, compose)
    say(f"project {s.project}, http://127.0.0.1:{s.port}, {shlex.join(compose)}")
    t0 = time.monotonic()
    try:
        # One build (the five services share the image; `up --build` would run it five times,
        # cache hits, unless the sources change meanwhile), then up with what was built.
        s.timed("image build (compose/Dockerfile)", s.compose, "build", "gateway", timeout=1500)
        s.timed("up (3 comment replicas) + healthy", s.up)
        yield s
    finally:
        if os.environ.get("TALKS_COMPOSE_KEEP"):
            say(f"TALKS_COMPOSE_KEEP: left {s.project} running; remove with: "
                f"{shlex.join(s.cmd)} down -v --rmi local; docker rmi {s.image}")
        else:
            t = time.monotonic()
            s.compose("down", "-v", "--remove-orphans", "--rmi", "local", timeout=300, check=False)
            # --no-prune: its layers are the next build's cache (docker_images removes them)
            run(["docker", "rmi", "--no-prune", s.image], check=False)
            left = run(["docker", "ps", "-a", "-q", "--filter",
                        f"label=com.docker.compose.project={s.project}"], check=False).stdout.split()
            left += run(["docker", "volume", "ls", "-q", "--filter",
                         f"label=com.docker.compose.project={s.project}"], check=False).stdout.split()
            left += run(["docker", "network", "ls", "-q", "--filter",
                         f"label=com.docker.compose.project={s.project}"], check=False).stdout.split()
            say(f"cleanup: {time.monotonic() - t:.1f} s" + (f", LEFT BEHIND: {left}" if left else ""))
        shutil.rmtree(tmp, ignore_errors=True)
        say(f"total: {time.monotonic() - t0:.1f} s")


# ---- the test ----------------------------------------------------------------------------------

def test_bus_is_mutual_tls(stack):
    """SPEC section 9 on compose, on the stack as the fixture brought it up (first start)."""
    s = stack
    t = time.monotonic()
    # the one-shot made the certificates and exited 0
    made = s.containers("bus-certs", running_only=False)
    assert len(made) == 1 and inspect(made[0], ".State.ExitCode") == 0, made
    logs = s.compose("logs", "--no-color", "bus-certs").stdout
    assert "made the bus certificates" in logs, logs

    # every bus address in every running container's environment is tls+tcp://; the control
    # addresses stay ipc:// (their default); each role points at its own files
    for service, role in ROLES.items():
        containers = s.containers(service)
        assert len(containers) == (REPLICAS if service == "svc-comments" else 1), (service, containers)
        for c in containers:
            env = dict(e.split("=", 1) for e in inspect(c, ".Config.Env"))
            host = "0.0.0.0" if service == "gateway" else "gateway"
            for i, (name, _) in enumerate(BUS):
                assert env.get(f"TALKS_BUS_{name}") == f"tls+tcp://{host}:{7101 + i}", (service, name, env)
            addresses = {k: v for k, v in env.items()
                         if re.match(r"TALKS_(BUS|CTL)_", k) and "://" in v}
            assert all(v.startswith("tls+tcp://") for k, v in addresses.items()
                       if k.startswith("TALKS_BUS_")), (service, addresses)
            assert all(v.startswith("ipc://") for k, v in addresses.items()
                       if k.startswith("TALKS_CTL_")), (service, addresses)
            d = f"/etc/talks/bus/{role}"
            assert (env.get("TALKS_BUS_CA"), env.get("TALKS_BUS_CERT"), env.get("TALKS_BUS_KEY")) == \
                (f"{d}/ca.pem", f"{d}/{role}.crt", f"{d}/{role}.key"), (service, env)
            # its own certs volume, read-only, and no other
            mounts = [m for m in inspect(c, ".Mounts") if m["Destination"].startswith("/etc/talks")]
            assert [(m["Type"], m["Name"].endswith(f"_certs-{role}"), m["Destination"], m["RW"])
                    for m in mounts] == [("volume", True, d, False)], (service, mounts)

    # each role's container holds its own three files and nothing else; one CA bundle for all
    cas, keys = set(), set()
    for service, role in ROLES.items():
        files = s.bus_files(service)
        d = f"/etc/talks/bus/{role}"
        assert sorted(files) == sorted([f"{d}/ca.pem", f"{d}/{role}.crt", f"{d}/{role}.key"]), \
            (service, files)
        assert files[f"{d}/{role}.key"].startswith("600 talks "), (service, files)
        cas.add(files[f"{d}/ca.pem"].split()[-1])
        keys.add(files[f"{d}/{role}.key"].split()[-1])
    assert len(cas) == 1 and len(keys) == len(ROLES), (cas, keys)
    volumes = run(["docker", "volume", "ls", "-q", "--filter",
                   f"label=com.docker.compose.project={s.project}"]).stdout.split()
    for role in ROLES.values():
        assert any(v.endswith(f"_certs-{role}") for v in volumes), (role, volumes)

    # a plain-TCP peer on the project's network gets nothing from any bus port ...
    ports = [f"{7101 + i}:{proto}" for i, (_, proto) in enumerate(BUS)]
    r = s.compose("exec", "-T", "svc-talks", "bash", "-s", "gateway", *ports, input=PROBE)
    answers = r.stdout.splitlines()
    say("plain TCP to the gateway's bus ports: " + "; ".join(answers))
    # nothing at all (seen here), or at most a TLS alert record (type 0x15) before it hangs up
    assert len(answers) == len(BUS) and all(
        re.fullmatch(r"71\d\d: (nothing|15 03 0[0-4] .*)", a.strip()) for a in answers), answers
    # ... where a plain tcp:// listener (the same gateway, TALKS_ENV=testing, in a throwaway
    # container) answers the same probe with its SP header: the probe would see an open bus
    plain = [f"TALKS_BUS_{name}=tcp://127.0.0.1:{7101 + i}" for i, (name, _) in enumerate(BUS)]
    r = s.compose("run", "--rm", "--no-deps", "-T", "-e", "TALKS_ENV=testing",
                  *[a for e in plain for a in ("-e", e)], "gateway", "bash", "-c",
                  "talks-gateway >/dev/null 2>&1 & for p in $(seq 7101 7108); do "
                  "for i in $(seq 50); do (: <>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; "
                  "sleep 0.2; done; done; set -- 127.0.0.1 " + " ".join(ports) + "\n" + PROBE,
                  timeout=120)
    answers = r.stdout.splitlines()
    assert len(answers) == len(BUS) and all(f": {SP_HEADER}" in a for a in answers), answers
    # ... and in production (the compose default) a plain tcp:// bus address stops the process
    r = s.compose("run", "--rm", "--no-deps", "-T", "-e", "TALKS_BUS_AUTH=tcp://0.0.0.0:7101",
                  "gateway", timeout=120, check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "refused in production" in out, (r.returncode, out[-2000:])
    s.timings["bus checks"] = time.monotonic() - t
    say(f"bus checks (tls+tcp:// everywhere, own certs only, plain TCP gets nothing): "
        f"{s.timings['bus checks']:.1f} s")


# Each service's container health check (compose/docker-compose.yml)
HEALTH_CHECKS = {"gateway": ["CMD", "talks-health", "http", "/livez"],
                 **{f"svc-{svc}": ["CMD", "talksctl", "ping", svc]
                    for svc in ("auth", "talks", "comments", "mail")}}


def docker_time(stamp):
    """A timestamp of docker inspect (RFC 3339, nanoseconds) as an aware datetime."""
    m = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", stamp)
    assert m, stamp
    return datetime.datetime.fromisoformat(
        f"{m[1]}.{(m[2] or '0')[:6].ljust(6, '0')}{'+00:00' if m[3] == 'Z' else m[3]}")


def test_health_checks_ask_each_process(stack):
    """The gateway's container check asks /livez, each service's runs `talksctl ping <service>` in
    its own container and is answered by that container's process; every container turns
    healthy. With svc-talks stopped, /healthz says 503 while the gateway's check still passes:
    an orchestrator that restarts unhealthy containers (Swarm) must not restart a working gateway
    because a service is down."""
    s = stack
    containers = {c: service for service in HEALTH_CHECKS for c in s.containers(service)}
    for c, service in containers.items():
        assert inspect(c, ".Config.Healthcheck.Test") == HEALTH_CHECKS[service], service

    t = time.monotonic()
    while True:  # the first check runs one interval (10 s) after a container starts
        states = {c: inspect(c, ".State.Health.Status") for c in containers}
        if all(v == "healthy" for v in states.values()):
            break
        assert time.monotonic() - t < 90, {containers[c]: v for c, v in states.items()}
        time.sleep(0.5)
    say(f"every container healthy {time.monotonic() - t:.1f} s after the tests began")

    for svc in ("auth", "talks", "mail"):
        (c,) = s.containers(f"svc-{svc}")
        r = s.compose("exec", "-T", f"svc-{svc}", "talksctl", "ping", svc)
        assert r.stdout.startswith(f"svc-{svc}: up (replica {inspect(c, '.Config.Hostname')}:"), r.stdout

    (gateway,) = s.containers("gateway")
    s.compose("stop", "svc-talks")
    try:
        stopped = datetime.datetime.now(datetime.timezone.utc)
        t = time.monotonic()
        while True:  # a whole check of the gateway's, started after svc-talks stopped
            after = [e for e in inspect(gateway, ".State.Health.Log")
                     if docker_time(e["Start"]) > stopped and e["End"]]
            if after:
                break
            assert time.monotonic() - t < 30, "no health check of the gateway's in 30 s"
            time.sleep(0.2)
        assert try_request(Browser(s.port), "GET", "/healthz") == 503
        assert after[0]["ExitCode"] == 0, after
        assert inspect(gateway, ".State.Health.Status") == "healthy"
    finally:
        s.compose("start", "svc-talks")
        s.wait_healthy()


def test_compose_stack(stack):
    s = stack
    email = "ann@example.com"

    r = s.adduser(email, "ann")
    assert r.returncode == 0 and "registered successfully" in r.stdout, r.stdout + r.stderr

    ann = Browser(s.port)
    assert ann.login(email), "login as the new speaker failed"
    talk, talk_id = publish_talk(ann)
    token = ann.csrf(talk)

    replicas = s.containers("svc-comments")
    assert len(replicas) == REPLICAS, replicas
    # kill a replica that does not hold the control socket (talksctl backup below needs it): the
    # others log that another replica holds it
    def holds_control_socket(c):
        logs = run(["docker", "logs", c], check=False)
        return "is held by another replica" not in logs.stdout + logs.stderr
    victim = next(c for c in replicas if not holds_control_socket(c))

    lock = threading.Lock()
    posted = []            # bodies answered 303
    retries = []           # (body, status) answers that were not 303, retried
    home_failures = []     # the home page under all this
    done = threading.Event()
    events = {}

    def post(worker):
        b = Browser(s.port)
        b.cookies = dict(ann.cookies)
        for i in range(COMMENTS // WORKERS):
            body = f"comment-w{worker}-n{i:03d}"
            deadline = time.monotonic() + 60
            while True:
                status = None
                try:
                    status = b.request("POST", talk, {"body": body, "csrf_token": token}).status
                except (OSError, http.client.HTTPException):
                    pass
                if status == 303:
                    break
                with lock:
                    retries.append((body, status))
                assert time.monotonic() < deadline, f"{body}: no 303 within 60 s (last {status})"
                time.sleep(0.1)
            with lock:
                posted.append(body)
            time.sleep(0.25)  # spread the load over ~10 s, so the failures land mid-traffic

    def watch_home():
        b = Browser(s.port)
        while not done.is_set():
            status = try_request(b, "GET", "/")
            if status != 200:
                home_failures.append(status)
            time.sleep(0.1)

    def chaos():
        def wait_for(n):
            while len(posted) < n:
                time.sleep(0.02)
        wait_for(COMMENTS // 4)
        run(["docker", "kill", victim])
        events["killed_at"] = len(posted)
        wait_for(COMMENTS // 2)
        events["restart_at"] = len(posted)
        t = time.monotonic()
        s.compose("restart", "svc-auth")
        returned = time.monotonic()
        events["restart_s"] = returned - t
        b = Browser(s.port)
        while not b.login(email):
            assert time.monotonic() - returned < 30, "login did not come back within 30 s"
            time.sleep(0.05)
        events["login_back_s"] = time.monotonic() - returned
        events["posted_after_login"] = len(posted)

    errors = []

    def guard(fn, *args):
        return guarded(errors, fn, *args)

    t = time.monotonic()
    watcher = guard(watch_home)
    watcher.start()
    threads = [guard(post, w) for w in range(WORKERS)] + [guard(chaos)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    done.set()
    watcher.join()
    s.timings["200 comments under failures"] = time.monotonic() - t
    assert not errors, errors
    say(f"200 comments posted in {s.timings['200 comments under failures']:.1f} s by {WORKERS} "
        f"clients; replica killed after {events['killed_at']}, svc-auth restarted after "
        f"{events['restart_at']} ({events['restart_s']:.1f} s for `restart`), "
        f"{len(retries)} answers retried: {sorted({st for _, st in retries}, key=str)}")
    say(f"login works again {events['login_back_s']:.2f} s after `restart` returned")
    assert events["login_back_s"] < 5, events
    assert events["posted_after_login"] < COMMENTS, "the restart did not happen under traffic"
    assert not home_failures, f"GET / failed during the run: {home_failures[:20]}"

    # every comment exactly once (the API, as the speaker: pending ones would show too)
    api = api_token(s.port, email)
    bodies, last = api_comments(s.port, talk_id, api)
    expected = sorted(f"comment-w{w}-n{i:03d}" for w in range(WORKERS) for i in range(COMMENTS // WORKERS))
    dupes = sorted({b for b in bodies if bodies.count(b) > 1})
    assert not dupes, f"duplicated: {dupes[:10]}"
    assert sorted(bodies) == expected, (f"{len(bodies)} comments, missing "
                                        f"{sorted(set(expected) - set(bodies))[:10]}, last page {last}")

    # every replica served some (each logs one op=comments.create line per comment it made)
    served = {}
    for c in s.containers("svc-comments", running_only=False):
        name = run(["docker", "inspect", "-f", "{{.Name}}", c]).stdout.strip().lstrip("/")
        logs = run(["docker", "logs", c], check=False)
        served[name] = (logs.stdout + logs.stderr).count("op=comments.create")
    say(f"comments.create per replica: {served} (killed: {victim[:12]})")
    assert len(served) == REPLICAS and all(served.values()), served

    # talksctl backup as docs/operations.md's cron line runs it: each service copies its own
    # database, online, into its own host folder; the comments' copy holds them all
    stamps = {}
    for svc in ("auth", "talks", "comments", "mail"):
        # exec runs in replica 1 unless told: the killed one may be it (docker kill counts as a
        # manual stop, so Docker leaves it down), so name a running replica
        live = s.containers(f"svc-{svc}")[0]
        number = run(["docker", "inspect", "-f",
                      '{{index .Config.Labels "com.docker.compose.container-number"}}', live])
        r = s.compose("exec", "-T", "--index", number.stdout.strip(), f"svc-{svc}", "talksctl",
                      "backup", "/backup", "--only", svc, "--keep", "14", check=False)
        assert r.returncode == 0 and r.stdout.startswith(f"Backed up {svc}.db into /backup/"), \
            (svc, r.stdout, r.stderr)
        (stamps[svc],) = [n for n in os.listdir(os.path.join(s.backups, svc))
                          if re.fullmatch(r"\d{8}T\d{6}Z", n)]
    folder = os.path.join(s.backups, "comments", stamps["comments"])
    with open(os.path.join(folder, "manifest.json")) as f:
        (entry,) = json.load(f)["databases"]
    with open(os.path.join(folder, "comments.db"), "rb") as f:
        assert entry["sha256"] == hashlib.sha256(f.read()).hexdigest()
    copy = sqlite3.connect(f"file:{os.path.join(folder, 'comments.db')}?immutable=1", uri=True)
    assert copy.execute("select count(*) from comments").fetchone()[0] == COMMENTS
    assert copy.execute("pragma integrity_check").fetchall() == [("ok",)]
    copy.close()

    # restore (docs/operations.md): refused while the stack runs; then stop, restore each
    # service's copy with `run --rm --no-deps`, up: an account made after the backup is gone
    r = s.compose("exec", "-T", "svc-auth", "talksctl", "restore", f"/backup/{stamps['auth']}",
                  check=False)
    assert r.returncode == 1 and "svc-auth is running" in r.stderr, (r.stdout, r.stderr)
    assert s.adduser("late@example.com", "late").returncode == 0
    s.timed("stop", s.compose, "stop", timeout=120)
    for svc, stamp in stamps.items():
        r = s.compose("run", "--rm", "--no-deps", "-T", f"svc-{svc}", "talksctl", "restore",
                      f"/backup/{stamp}", check=False)
        assert r.returncode == 0 and f"Restored {svc}.db" in r.stdout, (svc, r.stdout, r.stderr)
    s.timed("up after the restore + healthy", s.up)
    assert not Browser(s.port).login("late@example.com"), "an account made after the backup"
    assert Browser(s.port).login(email), "login after the restore failed"
    bodies, _ = api_comments(s.port, talk_id, api_token(s.port, email))
    assert sorted(bodies) == expected, f"{len(bodies)} comments after the restore"

    # sizes
    size = run(["docker", "image", "ls", s.image, "--format", "{{.Size}}"]).stdout.strip()
    say(f"runtime image {s.image}: {size}")
    stats = run(["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"]
                + s.containers("gateway") + s.containers("svc-auth") + s.containers("svc-talks")
                + s.containers("svc-comments") + s.containers("svc-mail")).stdout
    for line in sorted(stats.splitlines()):
        say(f"  memory {line}")

    # down, then up: everything is still there, the bus certificates too
    ca = s.bus_ca()
    s.timed("down", s.compose, "down")
    s.timed("up again (no build) + healthy", s.up)
    b = Browser(s.port)
    assert b.login(email), "login after down/up failed"
    bodies, _ = api_comments(s.port, talk_id, api_token(s.port, email))
    assert sorted(bodies) == expected, f"{len(bodies)} comments after down/up"
    assert s.bus_ca() == ca, "the bus certificates changed across down + up"
    logs = s.compose("logs", "--no-color", "bus-certs").stdout
    assert "nothing to do" in logs and "made the bus" not in logs, logs

    # down -v: fresh, with new bus certificates
    s.timed("down -v", s.compose, "down", "-v")
    s.up()
    assert not Browser(s.port).login(email), "the account survived down -v"
    assert s.bus_ca() != ca, "the bus certificates survived down -v"
    assert s.adduser(email, "ann").returncode == 0, "adduser on a fresh stack failed"
    say("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in s.timings.items()))


def test_one_container(stack):
    """The image without a command (SPEC section 1): the whole stack in one container under
    `talksctl run`, data on one volume at /data. Production by default, so it refuses to start
    without SECRET_KEY and says why; with it: /healthz 200, a user added with `docker exec ...
    talksctl adduser` logs in, `docker stop` ends it with exit code 0, and a second container on
    the same volume has the account and the talk."""
    s = stack
    name, volume, port = f"{s.project}-one", f"{s.project}-one-data", free_port()
    label = f"talks-test={s.project}"
    email, secret = "bea@example.com", secrets.token_hex(24)

    def start():
        t = time.monotonic()
        cid = run(["docker", "run", "-d", "--name", name, "--label", label,
                   "-p", f"127.0.0.1:{port}:8080", "-v", f"{volume}:/data",
                   "-e", f"SECRET_KEY={secret}", "-e", f"TALKS_PUBLIC_URL=http://127.0.0.1:{port}",
                   s.image]).stdout.strip()
        b = Browser(port)
        while try_request(b, "GET", "/healthz") != 200:
            if time.monotonic() - t > 60:
                logs = run(["docker", "logs", cid], check=False)
                raise AssertionError("/healthz not 200 after 60 s\n" + (logs.stdout + logs.stderr)[-6000:])
            time.sleep(0.1)
        return cid, time.monotonic() - t

    def stop(cid):
        t = time.monotonic()
        run(["docker", "stop", cid], timeout=60)
        took = time.monotonic() - t
        code = inspect(cid, ".State.ExitCode")
        logs = run(["docker", "logs", cid])
        run(["docker", "rm", cid])
        return code, (logs.stdout + logs.stderr).splitlines(), took

    try:
        run(["docker", "volume", "create", "--label", label, volume])
        r = run(["docker", "run", "--rm", "--label", label, s.image], check=False, timeout=60)
        out = r.stdout + r.stderr
        assert r.returncode == 1 and re.search(
            r"^\[run\] talks-(gateway|mail) cannot start: talks-\1: SECRET_KEY: required when "
            r"TALKS_ENV=production$", out, re.M), (r.returncode, out[-3000:])

        cid, took = start()
        say(f"one container: healthy {took:.1f} s after `docker run`")
        assert inspect(cid, ".Config.Healthcheck.Test") == ["CMD", "talks-health", "http", "/healthz"]
        r = run(["docker", "exec", cid, "sh", "-c", "id -un; ls /data; stat -c '%U %a' /data/bus"])
        assert r.stdout.split()[0] == "talks", r.stdout
        assert {"auth.db", "talks.db", "comments.db", "mail.db", "bus"} <= set(r.stdout.split()), r.stdout
        assert r.stdout.splitlines()[-1] == "talks 700", r.stdout
        r = run(["docker", "exec", "-i", cid, "talksctl", "adduser", "--password-stdin", email, "bea"],
                input=PASSWORD + "\n")
        assert "registered successfully" in r.stdout, r.stdout + r.stderr
        bea = Browser(port)
        assert bea.login(email), "login in the one-container stack failed"
        r = bea.request("POST", "/new", dict(TALK, csrf_token=bea.csrf("/new")))
        assert r.status == 303, r.body[-2000:]
        talk = r.getheader("Location").split("?")[0]

        code, lines, took = stop(cid)
        say(f"one container: `docker stop` took {took:.1f} s, exit code {code}")
        assert code == 0, lines[-40:]
        assert lines[-1] == "[run] stopped", lines[-10:]
        unprefixed = [x for x in lines if not re.match(r"\[(run|auth|talks|comments|mail|gateway)\] ", x)]
        assert not unprefixed, unprefixed[:5]

        cid, took = start()
        say(f"one container: healthy again {took:.1f} s after a second `docker run` on the volume")
        b = Browser(port)
        assert b.login(email), "the account did not survive a new container on the volume"
        page = b.request("GET", talk)
        assert page.status == 200 and html.escape(TALK["title"]) in page.body
        code, lines, _ = stop(cid)
        assert code == 0, lines[-40:]
    finally:
        run(["docker", "rm", "-f", name], check=False)
        run(["docker", "volume", "rm", "-f", volume], check=False)
        left = run(["docker", "ps", "-a", "-q", "--filter", f"label={label}"], check=False).stdout.split()
        left += run(["docker", "volume", "ls", "-q", "--filter", f"label={label}"], check=False).stdout.split()
        assert not left, f"left behind: {left}"
