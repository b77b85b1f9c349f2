"""The site's shell: health, layout, static files, error pages and the headers on every answer."""
import json
import re
import socket

from stack import flashes, publish, speaker


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
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    r = b.login("ann@example.com")
    rid = r.getheader("X-Request-Id")
    assert f'rid="{rid}" op=auth.login ' in stack.log("auth")


def test_first_visit_gets_no_flash(stack):
    assert flashes(stack.request("GET", "/").body) == []


def bus_calls(stack):
    """How many requests of the kinds these pages would make each service has logged so far
    (not svc-mail's own catch-up calls, which come on a timer)."""
    ops = {"auth": ("auth.session", "auth.user_get", "auth.token_check"),
           "talks": ("talks.get", "talks.list"),
           "comments": ("comments.list", "comments.create", "comments.approve", "comments.delete"),
           "mail": ("mail.unsubscribe_info", "mail.unsubscribe")}
    return {name: sum(stack.log(name).count(f' op={op} ') for op in names)
            for name, names in ops.items()}


def test_a_path_segment_that_cannot_name_anything_is_a_404_before_any_bus_call(stack):
    """Issue "Second hardening round" #7: /user/%ff went to svc-auth, which could not read the
    name (bad_message), and the visitor got a 500 page."""
    ann = speaker(stack)
    talk_id = publish(ann).rsplit("/", 1)[1]
    pages = [("GET", p) for p in ("/user/%ff", "/user/%00", "/user/%C0%AF", "/user/a%20b", "/user/a%0Ab",
                                  "/user/" + "a" * 65, "/user/%ff/feed.atom", "/user/%00/feed.atom",
                                  "/talk/%ff", "/talk/%00", "/talk/0", "/talk/-1", "/talk/1e3",
                                  "/talk/1234567890123456", f"/talk/{talk_id}%00", "/edit/%ff",
                                  "/unsubscribe/%ff", "/unsubscribe/%00", "/unsubscribe/a.b")]
    pages += [("POST", "/talk/%ff"), ("POST", "/edit/%00"), ("POST", "/unsubscribe/%ff")]
    api = [("GET", "/api/1.0/talks/%ff"), ("GET", "/api/1.0/talks/%00/comments"),
           ("PUT", "/api/1.0/comments/%ff"), ("DELETE", "/api/1.0/comments/0")]
    before = bus_calls(stack)
    for who in (stack.browser(), ann):
        for method, path in pages:
            r = who.request(method, path)
            assert r.status == 404, (method, path, r.status)
            assert "Page not found" in r.body and 'class="navbar' in r.body, path
        for method, path in api:
            r = who.request(method, path)
            assert r.status == 404, (method, path, r.status)
            assert json.loads(r.body)["status"] == "not found", path
    assert bus_calls(stack) == before
    # Names and ids that can be are still looked up: an unknown one is the services' 404.
    for path in ("/user/nobody", "/user/no.body-1_x/feed.atom", "/talk/999", "/unsubscribe/AAAA"):
        assert stack.request("GET", path).status == 404, path
    assert bus_calls(stack) != before
    assert stack.request("GET", "/user/ann").status == 200
    assert stack.request("GET", f"/talk/{talk_id}").status == 200


def test_a_talk_card_shows_the_same_on_the_timeline_a_speaker_page_and_search(stack):
    """The card (talk_list.mustache) on every list page: title and link, description, the
    speaker with avatar and link, the venue with its link, the date and the comment count. The
    gateway gives a list page only what a card shows, so each name the card reads is checked."""
    b = speaker(stack, "ann")
    url = publish(b, title="Cards of Fearless C", description="About the card", venue="FOSDEM",
                  venue_url="https://fosdem.org/", date="2024-05-04")
    assert b.submit(url, url, {"body": "A first comment"}).status == 303  # a speaker's: published
    talk_id = url.rsplit("/", 1)[1]
    for path in ("/", "/user/ann", "/search?q=cards"):
        page = stack.request("GET", path)
        assert page.status == 200, path
        card = re.search(r'<article class="card talk-card">(.*?)</article>', page.body, re.S)
        assert card, path
        card = card.group(1)
        assert f'<a href="/talk/{talk_id}">' in card and "Fearless C" in card, path
        assert f'href="/talk/{talk_id}#comments"' in card, path
        assert '1<span class="visually-hidden"> comments</span>' in card, path
        assert re.search(r'<a class="talk-author" href="/user/ann"><span class="avatar avatar-sm '
                         r'avatar-hue-\d+" aria-hidden="true">A</span>ann</a>', card), path
        assert '<a href="https://fosdem.org/" rel="nofollow noopener">FOSDEM</a>' in card, path
        assert '<time class="local-date" datetime="2024-05-04">2024-05-04</time>' in card, path
        # The description, or on the search page its excerpt, the matched word marked.
        assert ("About the card" in card if path != "/search?q=cards"
                else "<mark>Cards</mark>" in card), path
