"""HTTP at the edge: ambiguous body framing is refused and closes the connection (RFC 9112
section 6.3; it matters behind any proxy), many large uploads at once cannot make the gateway
hold more than its budget of request bodies (gateway/body_budget.c), the errors h2o answers
itself are the site's pages, and feeds stay valid XML."""
import json
import socket
import time
import xml.etree.ElementTree as ET

import pytest

from stack import Stack, publish, speaker


def exchange(stack, data, timeout=5):
    """Sends raw bytes, reads until the gateway closes (or timeout): everything it answered,
    and whether it closed the connection."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=timeout) as s:
        s.sendall(data)
        got, closed = b"", False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    closed = True
                    break
                got += chunk
        except socket.timeout:
            pass
        return got, closed


NEXT = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"  # what a smuggler would hide in the body


@pytest.mark.parametrize("framing", [
    b"Content-Length: 5\r\nContent-Length: 45\r\n",
    b"Content-Length: 45\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 45\r\n",
])
def test_ambiguous_body_length_is_400_and_the_connection_closes(stack, framing):
    got, closed = exchange(stack, b"POST /api/1.0/preview HTTP/1.1\r\nHost: x\r\n" + framing +
                           b"\r\n0\r\n\r\n" + NEXT)
    assert got.startswith(b"HTTP/1.1 400 "), got[:200]
    assert closed
    assert got.count(b"HTTP/1.1 ") == 1  # the hidden request was never answered


def test_the_same_content_length_twice_is_not_ambiguous(stack):
    got, _ = exchange(stack, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                      b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200 "), got[:200]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def lean_stack(tmp_path):
    """A stack whose sanitizer keeps little freed memory aside: ASan's quarantine (256 MB by
    default) would otherwise count every freed read buffer in the gateway's RSS."""
    s = Stack(tmp_path, extra_env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:"
                                                   "quarantine_size_mb=8"})
    s.start_all()
    yield s
    codes = s.stop_all()
    assert all(code == 0 for code in codes.values()), codes


def test_many_stalled_uploads_do_not_grow_the_gateway(lean_stack):
    """500 clients each send 0.9 MB of a 1 MB body and stall: 450 MB if the gateway held them
    all. It stops reading bodies past its budget (64 MiB), keeps serving other requests, and
    h2o's request timeout closes the stalled uploads."""
    stack = lean_stack
    gateway = stack.procs["gateway"].pid
    before = rss_mb(gateway)
    body = b"x" * 900_000
    uploads = []
    try:
        for _ in range(500):
            s = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
            s.setblocking(False)
            s.send(b"POST /api/1.0/preview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 1000000\r\n\r\n")
            uploads.append([s, 0])
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and any(sent < len(body) for _, sent in uploads):
            for upload in uploads:
                s, sent = upload
                if sent < len(body):
                    try:
                        upload[1] += s.send(body[sent:sent + 262144])
                    except (BlockingIOError, ConnectionError):
                        pass
            time.sleep(0.01)
        assert sum(sent for _, sent in uploads) > 200_000_000  # the clients did push it
        grown = rss_mb(gateway) - before
        assert grown < 200, f"the gateway grew by {grown} MB"
        assert stack.request("GET", "/healthz").status == 200  # others are still served
    finally:
        for s, _ in uploads:
            s.close()


# ---- the errors h2o answers itself wear the site's clothes (gateway/error_pages.c) ----

def test_a_missing_static_file_is_the_styled_404_and_never_cached(stack):
    r = stack.request("GET", "/static/no-such-file.css")
    assert r.status == 404
    assert r.getheader("Content-Type") == "text/html; charset=utf-8"
    assert r.getheader("Cache-Control") == "no-store"
    assert 'class="navbar' in r.body and "Page not found" in r.body
    assert r.getheader("Content-Security-Policy")
    ok = stack.request("GET", "/static/talks.css")  # real files keep their caching
    assert ok.status == 200 and "max-age" in ok.getheader("Cache-Control")


def test_a_body_over_one_mebibyte_is_413_for_pages_and_api_alike(stack):
    big = b"a" * (1024 * 1024 + 1)
    page = stack.request("POST", "/auth/login", body=big,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status == 413 and "Too much data" in page.body and 'class="navbar' in page.body
    api = stack.request("POST", "/api/1.0/preview", body=big,
                        headers={"Content-Type": "application/json"})
    assert api.status == 413 and api.getheader("Content-Type") == "application/json"
    assert json.loads(api.body)["status"] == "payload too large"


def test_an_ambiguous_length_gets_the_api_json_or_the_page(stack):
    got, _ = exchange(stack, b"POST /api/1.0/preview HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                      b"Content-Length: 3\r\n\r\n{}")
    head, _, body = got.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["status"] == "bad request"


# ---- every text that reaches a feed is valid XML (SPEC section 7) ----

def test_feeds_stay_valid_xml_whatever_a_title_holds(stack):
    b = speaker(stack)
    publish(b, title="Odd \ufffe and \uffff ends")
    for path in ("/feed.atom", "/user/ann/feed.atom"):
        r = stack.request("GET", path)
        assert r.status == 200
        feed = ET.fromstring(r.body.encode())  # raises on a character XML forbids
        title = feed.find("a:entry/a:title", {"a": "http://www.w3.org/2005/Atom"}).text
        assert title == "Odd \ufffd and \ufffd ends"
