"""The OWASP ASVS level-2 items that apply to Talks, checked from outside (docs/security.md lists
them with the tests that prove each)."""
import os
import re
import sqlite3

from stack import Stack, publish, speaker


def cookie_header(resp, name):
    return [v for k, v in resp.getheaders() if k.lower() == "set-cookie" and v.startswith(name + "=")]


def test_v3_session_cookies_are_httponly_samesite_and_secure_in_production(tmp_path):
    (tmp_path / "prod").mkdir()
    s = Stack(tmp_path / "prod", extra_env={"TALKS_ENV": "production",
                                            "SECRET_KEY": "a long enough production secret"})
    s.start_all()
    try:
        s.adduser("ann@example.com", "ann")
        b = s.browser()
        r = b.login("ann@example.com")
        [session] = cookie_header(r, "talks_session")
        assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" in session
        assert "strict-transport-security" in {k.lower() for k, _ in r.getheaders()}
    finally:
        s.stop_all()


def test_v3_a_new_session_id_at_login_and_none_kept_after_logout(stack):
    stack.adduser("ann@example.com", "ann")
    first, second = stack.browser(), stack.browser()
    first.login("ann@example.com")
    second.login("ann@example.com")
    assert first.cookies["talks_session"] != second.cookies["talks_session"]
    # A session id an attacker plants before login is not the one the victim ends up with.
    planted = "A" * 43
    b = stack.browser()
    b.cookies["talks_session"] = planted
    b.login("ann@example.com")
    assert b.cookies["talks_session"] != planted


def test_v4_every_state_change_needs_the_csrf_token(stack):
    ann = speaker(stack)
    talk = publish(ann)
    talk_id = talk.rsplit("/", 1)[1]
    for path in ("/auth/login", "/auth/logout", "/profile", "/new", f"/edit/{talk_id}", talk):
        r = ann.post(path, {"title": "x", "body": "x", "name": "x"})
        assert r.status == 400, path
    r = ann.request("PUT", "/api/1.0/comments/1")
    assert r.status == 401


def test_v2_passwords_are_argon2id_and_never_stored_plain(stack):
    stack.adduser("ann@example.com", "ann", password="correct horse")
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "auth.db"))
    [(hash_,)] = db.execute("SELECT password_hash FROM users").fetchall()
    assert hash_.startswith("$argon2id$v=19$m=65536,t=2,p=1$")
    raw = open(os.path.join(stack.env["TALKS_DATA_DIR"], "auth.db"), "rb").read()
    assert b"correct horse" not in raw


def test_v3_sessions_and_tokens_are_stored_hashed(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "auth.db"))
    stored = [row[0] for row in db.execute("SELECT id_hash FROM sessions")]
    assert stored and all(b.cookies["talks_session"].encode() not in h for h in stored)


def test_v14_headers_on_pages_api_and_errors(stack):
    for path in ("/", "/nope", "/api/1.0/talks", "/api/1.0/nope", "/healthz"):
        r = stack.request("GET", path)
        h = {k.lower(): v for k, v in r.getheaders()}
        assert h["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        assert "server" not in h and "x-powered-by" not in h, path


def test_v5_reflected_parameters_are_escaped(stack):
    payload = "%22'%3E%3Cscript%3Ealert(1)%3C/script%3E"
    for path in (f"/?page={payload}", f"/auth/login?next={payload}", f"/user/ann?page={payload}"):
        body = stack.request("GET", path).body
        assert "<script>alert(1)" not in body, path
