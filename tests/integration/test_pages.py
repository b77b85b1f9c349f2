"""The site's shell: health, layout, static files, error pages and the headers on every answer."""
import json
import socket

from stack import flashes


def test_healthz_reports_every_service_up(stack):
    r = stack.request("GET", "/healthz")
    assert r.status == 200
    body = json.loads(r.body)
    assert body["status"] == "ok"
    assert body["services"] == {"auth": "up", "talks": "up", "comments": "up", "mail": "up"}


def test_home_page_has_the_bootstrap_layout_and_navbar(stack):
    r = stack.request("GET", "/")
    assert r.status == 200
    assert r.getheader("Content-Type") == "text/html; charset=utf-8"
    assert '/static/vendor/bootstrap.min.css' in r.body
    assert 'class="navbar' in r.body
    assert "Presenter Login" in r.body
    assert ">Home<" in r.body


def test_static_files_are_served_with_caching_and_nosniff(stack):
    for path, kind in (("/static/vendor/bootstrap.min.css", "text/css"),
                       ("/static/talks.css", "text/css"),
                       ("/static/talks.js", "javascript")):
        r = stack.request("GET", path)
        assert r.status == 200, path
        assert kind in r.getheader("Content-Type"), path
        assert "max-age" in r.getheader("Cache-Control")
        assert r.getheader("X-Content-Type-Options") == "nosniff"


def test_unknown_page_is_a_styled_404(stack):
    r = stack.request("GET", "/no/such/page")
    assert r.status == 404
    assert "Page not found" in r.body and 'class="navbar' in r.body


def test_path_traversal_out_of_static_is_refused(stack):
    for path in ("/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd"):
        r = stack.request("GET", path)
        assert r.status == 404
        assert "root:" not in r.body


def test_wrong_method_is_a_styled_405(stack):
    r = stack.request("DELETE", "/profile")
    assert r.status == 405
    assert "not allowed" in r.body


def test_every_page_carries_the_security_headers(stack):
    for path in ("/", "/auth/login", "/nope", "/healthz"):
        r = stack.request("GET", path)
        csp = r.getheader("Content-Security-Policy")
        assert csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert r.getheader("X-Content-Type-Options") == "nosniff"
        assert r.getheader("Referrer-Policy")
        assert len(r.getheader("X-Request-Id")) == 16
        assert r.getheader("Server") is None


def test_pages_have_no_inline_script_or_style(stack):
    for path in ("/", "/auth/login"):
        body = stack.request("GET", path).body
        assert "<script>" not in body and " style=" not in body and " onclick" not in body


def test_http2_is_not_offered(stack):
    # Prior-knowledge HTTP/2 (the Rapid Reset attack surface) must not be spoken.
    with socket.create_connection(("127.0.0.1", stack.port), timeout=5) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        data = s.recv(100)
    assert not data.startswith(b"\x00\x00"), "the server answered with an HTTP/2 frame"


def test_request_id_reaches_the_service_logs(stack):
    b = stack.browser()
    r = b.get("/auth/login")
    rid = r.getheader("X-Request-Id")
    assert f'rid="{rid}"' in stack.log("auth")


def test_first_visit_gets_no_flash(stack):
    assert flashes(stack.request("GET", "/").body) == []
