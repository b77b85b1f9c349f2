"""Logging in and out: sessions, CSRF, redirects, throttling, no user enumeration."""
import time

from stack import Stack, flashes
from test_comments import post_with_forwarded_lines


def test_login_then_navbar_shows_the_user(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    r = b.login("ann@example.com")
    assert r.status == 303 and r.getheader("Location") == "/"
    home = b.get("/")
    assert "Presenter Login" not in home.body
    assert "/user/ann" in home.body and "Logout" in home.body


def test_session_cookie_is_httponly_and_samesite(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    r = b.login("ann@example.com")
    cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("talks_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age" not in cookie


def test_remember_me_makes_a_lasting_cookie(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    r = b.login("ann@example.com", remember_me="on")
    cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("talks_session=")][0]
    assert "Max-Age=2592000" in cookie


def test_login_rotates_the_csrf_cookie(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.get("/auth/login")
    before = b.cookies["talks_csrf"]
    b.login("ann@example.com")
    assert b.cookies["talks_csrf"] != before


def test_wrong_password_and_unknown_email_look_the_same(stack):
    stack.adduser("ann@example.com", "ann")
    answers = []
    for email, pw in (("ann@example.com", "wrong password"), ("nobody@example.com", "whatever1")):
        b = stack.browser()
        start = time.monotonic()
        r = b.login(email, pw)
        answers.append((r.status, flashes(r.body), time.monotonic() - start))
    assert answers[0][:2] == answers[1][:2] == (200, ["Invalid email or password."])
    # Both cost one Argon2id verification: neither answer is several times faster.
    fast, slow = sorted([answers[0][2], answers[1][2]])
    assert slow < fast * 4 + 0.05


def test_failed_login_keeps_the_typed_email(stack):
    b = stack.browser()
    r = b.login("who@example.com", "nope nope")
    assert 'value="who@example.com"' in r.body


def test_login_without_csrf_token_is_refused(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.get("/auth/login")
    r = b.post("/auth/login", {"email": "ann@example.com", "password": "correct horse"})
    assert r.status == 400
    assert "talks_session" not in b.cookies


def test_login_with_forged_csrf_token_is_refused(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.get("/auth/login")
    r = b.post("/auth/login", {"email": "ann@example.com", "password": "correct horse",
                               "csrf_token": "A" * 43})
    assert r.status == 400 and "talks_session" not in b.cookies


def test_csrf_token_from_another_visitor_is_refused(stack):
    stack.adduser("ann@example.com", "ann")
    token = stack.browser().csrf("/auth/login")
    b = stack.browser()
    b.get("/auth/login")
    r = b.post("/auth/login", {"email": "ann@example.com", "password": "correct horse", "csrf_token": token})
    assert r.status == 400


def test_next_is_followed_when_local(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    r = b.submit("/auth/login?next=/profile", "/auth/login",
                 {"email": "ann@example.com", "password": "correct horse", "next": "/profile"})
    assert r.getheader("Location") == "/profile"


def test_next_pointing_off_site_is_ignored(stack):
    stack.adduser("ann@example.com", "ann")
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
                   "/%0d%0aSet-Cookie:x=1"):
        b = stack.browser()
        r = b.submit("/auth/login", "/auth/login",
                     {"email": "ann@example.com", "password": "correct horse", "next": target})
        assert r.status == 303
        assert r.getheader("Location") == "/", target


def test_next_query_is_echoed_escaped(stack):
    r = stack.request("GET", '/auth/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E')
    assert "<script>alert(1)" not in r.body


def test_logout_ends_the_session_on_the_server(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    old_session = b.cookies["talks_session"]
    token = b.csrf("/")
    r = b.post("/auth/logout", {"csrf_token": token})
    assert r.status == 303 and "talks_session" not in b.cookies
    assert flashes(b.get("/").body) == ["You have been logged out."]
    # Replaying the old cookie does not log anyone in.
    r = stack.request("GET", "/profile", headers={"Cookie": f"talks_session={old_session}"})
    assert r.status == 302 and r.getheader("Location").startswith("/auth/login")


def test_logout_by_get_does_nothing(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.get("/auth/logout")
    assert r.status == 405
    assert b.get("/profile").status == 200


def test_logout_needs_csrf(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.post("/auth/logout", {})
    assert r.status == 400
    assert b.get("/profile").status == 200


def test_five_failures_for_one_email_throttle_even_the_right_password(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    for _ in range(5):
        assert b.login("ann@example.com", "wrong password").status == 200
    r = b.login("ann@example.com")
    assert r.status == 429 and "try again later" in r.body
    assert "talks_session" not in b.cookies


def test_throttle_is_the_same_for_an_unknown_email(stack):
    b = stack.browser()
    for _ in range(5):
        b.login("ghost@example.com", "wrong password")
    assert b.login("ghost@example.com", "wrong password").status == 429


def test_twenty_failures_from_one_address_throttle_it_whatever_the_headers_say(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    for i in range(20):
        r = b.login(f"user{i}@example.com", "wrong password",)
        assert r.status == 200
    # A new X-Forwarded-For does not make a new client: the socket's peer counts.
    token = b.csrf("/auth/login")
    r = b.post("/auth/login", {"email": "ann@example.com", "password": "correct horse", "csrf_token": token},
               headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"})
    assert r.status == 429


def test_behind_a_proxy_a_spoofed_forwarded_for_line_does_not_escape_the_address_throttle(tmp_path):
    """Issue "Second hardening round" #5: HAProxy's `option forwardfor` adds its own
    X-Forwarded-For line after any the client sent; a new spoofed first line each time must not
    make a new client address."""
    s = Stack(tmp_path, {"TALKS_TRUSTED_PROXY": "127.0.0.1"})
    s.start_all()
    try:
        s.adduser("ann@example.com", "ann")
        b = s.browser()
        token = b.csrf("/auth/login")

        def login(email, password, spoofed, real):
            form = {"email": email, "password": password, "csrf_token": token}
            return post_with_forwarded_lines(b, "/auth/login", form, [spoofed, real]).status

        for i in range(20):
            assert login(f"user{i}@example.com", "wrong password", f"203.0.113.{i}", "198.51.100.7") == 200
        assert login("ann@example.com", "correct horse", "203.0.113.99", "198.51.100.7") == 429
        # The same account from another visitor behind the same proxy is not throttled.
        assert login("ann@example.com", "correct horse", "198.51.100.7", "198.51.100.8") == 303
    finally:
        codes = s.stop_all()
        assert all(code == 0 for code in codes.values()), codes
