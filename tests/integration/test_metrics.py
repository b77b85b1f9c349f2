"""GET /metrics on TALKS_METRICS_ADDR (SPEC section 10): a page promtool accepts, whose counters
move with the traffic (HTTP requests, bus calls, the services' own requests), which still answers
when a service is dead (talks_service_up 0), and which is never on the public port."""
import html
import http.client
import re
import shutil
import signal
import subprocess
import time

import pytest

from stack import Stack, free_ports, publish, speaker, wait_until

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@pytest.fixture
def mstack(tmp_path):
    port = free_ports(1)[0]
    # MAIL_FLUSH_SECONDS: no mail goes out (asking svc-talks for titles) while a test counts.
    s = Stack(tmp_path, extra_env={"TALKS_METRICS_ADDR": f"127.0.0.1:{port}",
                                   "MAIL_FLUSH_SECONDS": "3600"})
    s.metrics_port = port
    s.start_all()
    yield s
    s.assert_clean_exits(s.stop_all())


def get(port, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        r.body = r.read().decode("utf-8")
        return r
    finally:
        conn.close()


def parse(page):
    """{(name, frozenset of (label, value)): value} of every sample line."""
    samples = {}
    for line in page.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    """The sample named name whose labels include these (0 when there is none); fails when
    several match."""
    want = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    assert len(found) <= 1, f"{name} {labels}: {len(found)} series"
    return found[0] if found else 0


def scrape(stack):
    r = get(stack.metrics_port, "/metrics")
    assert r.status == 200, r.body
    assert r.getheader("Content-Type").startswith("text/plain; version=0.0.4")
    return r.body


def promtool_check(page):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: scripts/install-deps.sh test installs Debian's prometheus"
    r = subprocess.run([promtool, "check", "metrics"], input=page, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, f"promtool: {r.stdout}{r.stderr}\n{page}"


def test_the_page_is_valid_and_counts_page_views_and_a_comment(mstack):
    ann = speaker(mstack, "ann")
    talk = publish(ann)
    talk_id = talk.rsplit("/", 1)[1]
    page = scrape(mstack)
    promtool_check(page)
    for name in ("talks_http_requests_total", "talks_http_request_duration_seconds",
                 "talks_bus_calls_total", "talks_bus_call_duration_seconds", "talks_service_up",
                 "talks_service_requests_total", "talks_service_errors_total",
                 "talks_db_write_duration_seconds", "talks_mail_queued", "talks_mail_sent_total",
                 "talks_mail_failed", "talks_mail_oldest_queued_age_seconds",
                 "talks_events_subscriber_lag", "talks_events_subscriber_lag_seconds"):
        assert f"# TYPE {name} " in page and f"# HELP {name} " in page, name
    for svc in ("auth", "talks", "comments", "mail"):
        assert value(parse(page), "talks_service_up", service=svc) == 1

    # Page views: two of the timeline (from the page cache or not: no bus call is counted on),
    # three API reads of the talk, never read before: the first asks svc-talks (talks.get), the
    # gateway's talks cache answers the other two, and no bus call is counted for them.
    before = parse(scrape(mstack))
    for _ in range(2):
        assert mstack.request("GET", "/").status == 200
    for _ in range(3):
        assert mstack.request("GET", f"/api/1.0/talks/{talk_id}").status == 200
    after = parse(scrape(mstack))
    route = {"method": "GET", "route": "/api/1.0/talks/*"}
    delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)
    assert delta("talks_http_requests_total", method="GET", route="/", status="200") == 2
    assert delta("talks_http_requests_total", status="200", **route) == 3
    assert delta("talks_http_request_duration_seconds_count", **route) == 3
    assert delta("talks_bus_calls_total", service="talks", op="talks.get", result="ok") == 1
    assert delta("talks_bus_call_duration_seconds_count", service="talks", op="talks.get") == 1
    assert delta("talks_service_requests_total", service="talks", op="talks.get", result="ok") == 1

    # A visitor's comment: one POST, one comments.create, one request counted by svc-comments,
    # and one group commit.
    vic = mstack.browser()
    form = vic.get(talk).body
    fields = {"csrf_token": html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)),
              "form_key": html.unescape(re.search(r'name="form_key" value="([^"]+)"', form).group(1)),
              "name": "Visitor Vic", "email": "vic@example.com", "body": "Great talk!"}
    before = parse(scrape(mstack))
    assert vic.post(talk, fields).status == 303
    after = parse(scrape(mstack))
    assert delta("talks_http_requests_total", method="POST", route="/talk/*", status="303") == 1
    assert delta("talks_bus_calls_total", service="comments", op="comments.create",
                 result="ok") == 1
    assert delta("talks_service_requests_total", service="comments", op="comments.create",
                 result="ok") == 1
    assert delta("talks_db_write_duration_seconds_count", service="comments",
                 kind="group_commit") >= 1

    # svc-mail applies the comment's event: a moderation mail waits for ann, and it is not behind.
    def mail_queued():
        s = parse(scrape(mstack))
        return (value(s, "talks_mail_queued", kind="moderation") == 1
                and value(s, "talks_events_subscriber_lag") == 0)
    wait_until(mail_queued, 10, "svc-mail to queue the moderation mail")
    promtool_check(scrape(mstack))


def test_a_dead_service_is_down_and_the_page_still_answers(mstack):
    mstack.stop("comments", signal.SIGKILL)
    start = time.monotonic()
    page = scrape(mstack)
    assert time.monotonic() - start < 5  # the bus deadline (1.5 s), not a hang
    promtool_check(page)
    samples = parse(page)
    assert value(samples, "talks_service_up", service="comments") == 0
    for svc in ("auth", "talks", "mail"):
        assert value(samples, "talks_service_up", service=svc) == 1
    assert not any(dict(ls).get("service") == "comments"
                   for (n, ls) in samples if n == "talks_service_requests_total")
    assert value(samples, "talks_bus_calls_total", service="comments", op="comments.metrics",
                 result="timeout") == 1


def test_metrics_is_only_on_its_own_port(mstack):
    r = mstack.request("GET", "/metrics")
    assert r.status == 404
    assert "# TYPE" not in r.body
    assert get(mstack.metrics_port, "/").status == 404
    assert get(mstack.metrics_port, "/metrics", method="POST").status == 405
    # The public port's 404 is counted like any other request, under no route.
    samples = parse(scrape(mstack))
    assert value(samples, "talks_http_requests_total", route="none", status="404") == 1


def test_a_bad_metrics_address_stops_the_gateway_with_one_line(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_METRICS_ADDR": "localhost"})
    s.start("gateway")
    code = s.procs.pop("gateway").wait(timeout=10)
    s.logs.pop("gateway").close()
    log = s.log("gateway")
    assert code == 1
    assert "TALKS_METRICS_ADDR: expected host:port" in log and log.count("\n") == 1, log
