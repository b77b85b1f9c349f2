"""Logs (SPEC section 10): one key=value line per event at TALKS_LOG_LEVEL, one access line per
HTTP request, the request's id in every line any process writes for it (mail included), idle
polling and health pings only at debug; and the settings around them: a misspelt TALKS_*
variable warns, `talksctl config` says where each value comes from, production without SMTP_URL
warns at svc-mail's start."""
import os
import re
import socket
import subprocess

import pytest

from stack import BIN, PROCESSES, Stack, publish, speaker, wait_until

NAMES = list(PROCESSES)
FIELDS = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def fields(line):
    """A log line as a dict (quoted values unquoted)."""
    return {k: (v[1:-1] if v.startswith('"') else v) for k, v in FIELDS.findall(line)}


def lines(stack, name):
    return stack.log(name).splitlines()


def access_lines(stack):
    return [fields(l) for l in lines(stack, "gateway") if " method=" in l]


def access_lines_of(stack, rid):
    """The access lines with that request id, once there is one: h2o writes it when it is done
    with the request, which may be just after the client has the answer."""
    wait_until(lambda: any(a.get("rid") == rid for a in access_lines(stack)), 5,
               f"the access line of {rid}")
    return [a for a in access_lines(stack) if a.get("rid") == rid]


@pytest.fixture
def debug_stack(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_LOG_LEVEL": "debug"})
    s.start_all()
    yield s
    assert all(code == 0 for code in s.stop_all().values())


def test_an_idle_stack_logs_its_pings_and_polls_only_at_debug(debug_stack):
    s = debug_stack
    for _ in range(3):
        assert s.request("GET", "/healthz").status == 200
    # svc-mail's catch-up asks svc-comments every 2 s; three of them have found nothing.
    wait_until(lambda: s.log("comments").count("op=comments.events_after") >= 3, 15,
               "three of svc-mail's catch-ups")
    for name in NAMES:
        for line in lines(s, name):
            f = fields(line)
            if (f.get("op") in ("ping", "comments.events_after", "talks.state") or
                    f.get("path") == "/healthz"):
                assert f["level"] == "debug", line
            elif f["level"] == "info":  # the rest of an idle stack: starting, listening
                assert f.get("msg", "").startswith(("started", "listening", "writer")), line
    pings = [fields(l) for l in lines(s, "auth") if "op=ping" in l]
    assert len(pings) >= 3 and all(p["from"] == "web" and p["result"] == "ok" for p in pings)
    polls = [fields(l) for l in lines(s, "comments") if "op=comments.events_after" in l]
    assert all(p["from"] == "relay:mail" and p["rid"] == "svc-mail" for p in polls)
    # The gateway's talks feed asks every half of the page cache's lifetime.
    states = [fields(l) for l in lines(s, "talks") if "op=talks.state" in l]
    assert states and all(p["from"] == "web" and p["rid"] == "gateway-talks-feed" for p in states)


def test_a_page_view_is_one_access_line_with_its_fields(stack):
    ann = speaker(stack)
    talk = publish(ann)
    r = stack.request("GET", talk + "?page=2&secret=hunter2")
    assert r.status == 200
    rid = r.getheader("X-Request-Id")
    mine = access_lines_of(stack, rid)
    assert len(mine) == 1, mine
    [a] = mine
    assert a["svc"] == "gateway" and a["level"] == "info"
    assert a["method"] == "GET" and a["path"] == talk and a["status"] == "200"
    assert int(a["bytes"]) == len(r.body.encode())
    assert float(a["ms"]) >= 0
    assert "hunter2" not in stack.log("gateway")  # the query is not logged
    # Static files and h2o's own errors (a body over 2 MiB, refused from its length) have their
    # line too.
    assert stack.request("GET", "/static/talks.css").status == 200
    with socket.create_connection(("127.0.0.1", stack.port), timeout=5) as c:
        c.sendall(b"POST /talk/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
        assert c.recv(100).startswith(b"HTTP/1.1 413")
    wait_until(lambda: any(a["path"] == "/talk/1" and a["status"] == "413"
                           for a in access_lines(stack)), 5, "the refused body's access line")
    wait_until(lambda: any(a["path"] == "/static/talks.css" and a["status"] == "200"
                           for a in access_lines(stack)), 5, "the static file's access line")


def test_an_incoming_request_id_is_in_the_access_line_and_the_services_lines(stack):
    r = stack.request("GET", "/", headers={"X-Request-Id": "abc-123"})
    assert r.status == 200 and r.getheader("X-Request-Id") == "abc-123"
    [a] = access_lines_of(stack, "abc-123")
    assert a["path"] == "/"
    talks = [fields(l) for l in lines(stack, "talks") if 'rid="abc-123"' in l]
    assert [t["op"] for t in talks] == ["talks.list"], talks
    assert talks[0]["from"] == "web" and talks[0]["result"] == "ok" and "ms" in talks[0]


@pytest.mark.parametrize("hostile", ["a" * 65, "two words", 'x"y', "a=b", "\u00e9t\u00e9"])
def test_a_hostile_request_id_is_replaced(stack, hostile):
    r = stack.request("GET", "/", headers={"X-Request-Id": hostile.encode().decode("latin-1")})
    rid = r.getheader("X-Request-Id")
    assert r.status == 200 and re.fullmatch(r"[0-9a-f]{16}", rid), rid
    assert len(access_lines_of(stack, rid)) == 1
    assert f'rid="{rid}" op=talks.list' in stack.log("talks")
    for name in NAMES:
        assert hostile not in stack.log(name)


def test_a_request_id_folded_over_two_lines_is_not_taken(stack):
    """A header continued on a second line (obs-fold) cannot bring a newline into a log line."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=5) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n level=error forged\r\n"
                  b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := c.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    m = re.search(r"(?im)^x-request-id: (\S+)", head)
    if m:  # h2o answered (it may also refuse the request): the first line's value, or a new id
        assert m.group(1) == "abc" or re.fullmatch(r"[0-9a-f]{16}", m.group(1)), head
    for name in NAMES:
        assert not any(l.startswith(" level=error") or "forged" in l for l in lines(stack, name))


def test_the_request_id_reaches_the_relay_and_the_mail_it_causes(tmp_path):
    s = Stack(tmp_path, extra_env={"MAIL_FLUSH_SECONDS": "1"})
    s.start_all()
    try:
        ann = speaker(s)
        talk = publish(ann)
        b = s.browser()
        token = b.csrf(talk)
        r = b.post(talk, {"csrf_token": token, "name": "Vic", "email": "vic@example.com",
                          "body": "Hello"}, headers={"X-Request-Id": "comment-rid-1"})
        assert r.status == 303
        # svc-mail asks svc-auth for the speaker's address through the relay, with the id...
        wait_until(lambda: 'rid="comment-rid-1" op=auth.user_contact from=relay:mail'
                   in s.log("auth"), 15, "svc-mail's lookup of the speaker")
        # ...and logs the moderation mail it sends with it (and its queue rows).
        wait_until(lambda: 'rid="comment-rid-1" msg="mail sent" kind=moderation' in s.log("mail"),
                   15, "the moderation mail's line")
        [sent] = [fields(l) for l in lines(s, "mail") if 'msg="mail sent"' in l]
        assert sent["to"] == "ann@example.com" and re.fullmatch(r"\d+", sent["rows"])
        assert 'rid="comment-rid-1" op=talks.get from=relay:mail' in s.log("talks")
    finally:
        assert all(code == 0 for code in s.stop_all().values())


def test_log_level_warn_silences_info_lines(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_LOG_LEVEL": "warn"})
    s.start_all()
    try:
        ann = speaker(s)
        publish(ann)
        assert s.request("GET", "/").status == 200
        assert s.request("GET", "/talk/999").status == 404
        s.stop("talks")
        assert s.request("GET", "/user/ann").status == 503  # a warning from the gateway
        wait_until(lambda: "status=503" in s.log("gateway"), 5, "the 503's access line")
    finally:
        s.stop_all()
    for name in NAMES:
        levels = {fields(l)["level"] for l in lines(s, name)}
        assert levels <= {"warn", "error"}, (name, s.log(name))
    assert "level=warn" in s.log("gateway")


def test_a_misspelt_setting_warns_with_the_closest_name(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_PER_PAG": "20"})
    (tmp_path / ".env").write_text("TALKS_LOGLEVEL=debug\n")
    s.start_all()
    try:
        for name in NAMES:
            log = s.log(name)
            assert log.count("TALKS_PER_PAG (environment) is not a setting (did you mean "
                             "TALKS_PER_PAGE?); it is ignored") == 1, log
            assert log.count("TALKS_LOGLEVEL (.env) is not a setting (did you mean "
                             "TALKS_LOG_LEVEL?)") == 1, log
            [warning] = [l for l in lines(s, name) if "TALKS_PER_PAG " in l]
            assert fields(warning)["level"] == "warn"
        r = s.talksctl("config")
        assert r.returncode == 0
        assert "TALKS_PER_PAG (environment) is not a setting" in r.stderr
    finally:
        s.stop_all()


def test_talksctl_config_shows_each_value_and_its_source(tmp_path):
    s = Stack(tmp_path, extra_env={"MAIL_PASSWORD": "s3cret-pass", "COMMENTS_PER_PAGE": "30"})
    (tmp_path / ".env").write_text("TALKS_PER_PAGE=20\nSECRET_KEY=0123456789abcdef-dotenv\n"
                                   "COMMENTS_PER_PAGE=40\n")
    r = s.talksctl("config")
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        name, source, value = line.split(None, 2)
        rows[name] = (source, value)
    assert rows["TALKS_PER_PAGE"] == (".env", "20")
    assert rows["COMMENTS_PER_PAGE"] == ("environment", "30")  # the environment wins
    assert rows["MAIL_SENDER"] == ("default", "talks@localhost")
    assert rows["TALKS_ENV"] == ("environment", "testing")
    assert rows["SECRET_KEY"] == (".env", "(set)")
    assert rows["MAIL_PASSWORD"] == ("environment", "(set)")
    assert rows["MAIL_USERNAME"] == ("default", "(empty)")
    assert rows["TALKS_BUS_AUTH"] == ("default", f"ipc://{s.data_dir}/bus/auth")
    assert rows["TALKS_LOG_LEVEL"] == ("default", "info")
    assert "s3cret-pass" not in r.stdout and "dotenv" not in r.stdout
    assert r.stdout.splitlines()[0].split() == ["setting", "from", "value"]
    doc = s.talksctl("config", "--doc")
    assert doc.returncode == 0 and "| `TALKS_LOG_LEVEL` |" in doc.stdout


@pytest.mark.parametrize("smtp_url", [None, ""])
def test_production_without_smtp_url_warns_at_svc_mail_start(tmp_path, smtp_url):
    env = {"TALKS_ENV": "production", "SECRET_KEY": "0123456789abcdef0123456789abcdef"}
    if smtp_url is not None:
        env["SMTP_URL"] = smtp_url
    s = Stack(tmp_path, extra_env=env)
    if smtp_url is None:
        s.env.pop("SMTP_URL", None)
    s.start("mail")
    try:
        wait_until(lambda: "started:" in s.log("mail"), 10, "svc-mail to start")
    finally:
        assert s.stop("mail") == 0
    [warning] = [l for l in lines(s, "mail") if "SMTP_URL" in l]
    assert fields(warning)["level"] == "warn"
    assert ("unset" if smtp_url is None else "empty") in warning
    assert "NO MAIL IS SENT" in warning and ".eml" in warning


def test_development_without_smtp_url_does_not_warn(tmp_path):
    s = Stack(tmp_path)
    s.env.pop("SMTP_URL", None)
    s.start("mail")
    try:
        wait_until(lambda: "started:" in s.log("mail"), 10, "svc-mail to start")
    finally:
        assert s.stop("mail") == 0
    assert "SMTP_URL" not in s.log("mail")


def test_a_bad_log_level_stops_every_program_with_one_line(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_LOG_LEVEL": "verbose"})
    for exe in [*PROCESSES.values(), "talksctl"]:
        args = [os.path.join(BIN, exe)] + (["config"] if exe == "talksctl" else [])
        r = subprocess.run(args, env=s.env, cwd=str(tmp_path), capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 1, (exe, r.stderr)
        assert r.stderr.count("\n") == 1, (exe, r.stderr)
        assert 'TALKS_LOG_LEVEL: expected error, warn, info or debug, got "verbose"' in r.stderr
