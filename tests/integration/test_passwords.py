"""Changing a password: `talksctl passwd` (SPEC §3), /profile/password and the reset link
(/auth/reset, /auth/reset/<token>, SPEC §4)."""
import json
import os
import re
import sqlite3

import pytest

from stack import Stack, flashes


def api_token(stack, email, password="correct horse"):
    """An API token made with HTTP Basic, as a client would."""
    import base64
    auth = base64.b64encode(f"{email}:{password}".encode()).decode()
    r = stack.request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {auth}"})
    assert r.status == 200, r.body
    return json.loads(r.body)["token"]


def token_works(stack, token):
    """Whether an API token still authenticates (the approve of an unknown comment is 404 for a
    valid token, 401 for an ended one)."""
    r = stack.request("PUT", "/api/1.0/comments/999999", headers={"Authorization": f"Bearer {token}"})
    assert r.status in (401, 404), r.body
    return r.status == 404


def logged_in(browser):
    return 'action="/auth/logout"' in browser.get("/").body


# ---- talksctl passwd ----

def test_passwd_sets_the_password_and_ends_sessions_and_api_tokens(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    assert b.login("ann@example.com").status == 303 and logged_in(b)
    token = api_token(stack, "ann@example.com")
    assert token_works(stack, token)

    r = stack.talksctl("passwd", "--password-stdin", "ANN@example.com", stdin="a new secret\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == 1 and "ANN@example.com" in r.stdout

    assert not logged_in(b), "the session made with the old password still works"
    assert not token_works(stack, token), "the API token still works"
    assert "Invalid email or password." in flashes(stack.browser().login("ann@example.com").body)
    assert stack.browser().login("ann@example.com", "a new secret").status == 303


def test_passwd_refuses_weak_unknown_and_bad_usage_with_one_line(stack):
    stack.adduser("ann@example.com", "ann")
    cases = [
        (["passwd", "--password-stdin", "ann@example.com"], "short\n", "at least 8 characters"),
        (["passwd", "--password-stdin", "nobody@example.com"], "a new secret\n", "No account"),
        (["passwd", "--password-stdin"], "a new secret\n", "usage"),
        (["passwd", "--password-stdin", "a@example.com", "b@example.com"], "a new secret\n", "usage"),
        (["passwd", "ann@example.com"], "", "--password-stdin"),  # no terminal here
    ]
    for args, stdin, message in cases:
        r = stack.talksctl(*args, stdin=stdin)
        assert r.returncode == 1, args
        assert message in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    assert stack.browser().login("ann@example.com").status == 303, "the password changed"


def test_passwd_when_auth_is_down_says_so(stack):
    stack.stop("auth")
    r = stack.talksctl("passwd", "--password-stdin", "ann@example.com", stdin="a new secret\n")
    assert r.returncode == 1
    assert "unreachable" in r.stderr and r.stderr.count("\n") == 1


def test_passwd_help_describes_itself(stack):
    r = stack.talksctl("passwd", "--help")
    assert r.returncode == 0 and "passwd [--password-stdin] EMAIL" in r.stdout
    assert "passwd [--password-stdin] EMAIL" in stack.talksctl("--help").stdout


# ---- /profile/password ----

def change_password(b, current, new, confirm=None):
    return b.submit("/profile/password", "/profile/password",
                    {"current": current, "password": new, "confirm": new if confirm is None else confirm})


def test_profile_password_changes_it_and_ends_only_the_other_sessions(stack):
    stack.adduser("ann@example.com", "ann")
    here, elsewhere = stack.browser(), stack.browser()
    here.login("ann@example.com")
    elsewhere.login("ann@example.com")
    token = api_token(stack, "ann@example.com")
    page = here.get("/profile")
    assert 'href="/profile/password"' in page.body

    r = change_password(here, "correct horse", "a new secret")
    assert r.status == 303 and r.getheader("Location") == "/profile"
    assert "Your password has been changed." in " ".join(flashes(here.get("/profile").body))
    assert logged_in(here), "the session the change came from must go on"
    assert not logged_in(elsewhere), "another session made with the old password still works"
    assert not token_works(stack, token)
    assert stack.browser().login("ann@example.com", "a new secret").status == 303


def test_profile_password_refusals_are_shown_on_the_form_and_change_nothing(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    cases = [
        (("wrong password", "a new secret", None), "That is not your current password."),
        (("correct horse", "short", None), "at least 8 characters"),
        (("correct horse", "a new secret", "another secret"), "Passwords do not match."),
    ]
    for (current, new, confirm), message in cases:
        r = change_password(b, current, new, confirm)
        assert r.status == 400 and message in r.body, r.body
        assert 'is-invalid' in r.body and "correct horse" not in r.body, "a password was echoed"
    assert logged_in(b)
    assert stack.browser().login("ann@example.com").status == 303, "the password changed"


def test_profile_password_needs_login_and_csrf(stack):
    r = stack.browser().get("/profile/password")
    assert r.status in (302, 303) and r.getheader("Location").startswith("/auth/login?next=")
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.post("/profile/password", {"current": "correct horse", "password": "a new secret",
                                      "confirm": "a new secret"})
    assert r.status == 400
    assert stack.browser().login("ann@example.com").status == 303, "the password changed"


def test_guessing_the_current_password_is_throttled_like_login(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    for _ in range(5):
        assert change_password(b, "wrong password", "a new secret").status == 400
    assert change_password(b, "correct horse", "a new secret").status == 429
    assert stack.browser().login("ann@example.com").status == 429


# ---- /auth/reset and the link ----

@pytest.fixture
def mailstack(tmp_path, smtp):
    """A stack whose batch of notifications goes out once an hour: a reset mail that arrives
    came on its own, at once."""
    (tmp_path / "stack").mkdir()
    s = Stack(tmp_path / "stack", extra_env={"SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "3600"})
    s.start_all()
    yield s
    codes = s.stop_all()
    for name, code in codes.items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"


def ask_reset(stack, email):
    return stack.browser().submit("/auth/reset", "/auth/reset", {"email": email})


def reset_link(mail):
    part = mail.get_payload()[0] if mail.is_multipart() else mail
    m = re.search(r"http://\S+(/auth/reset/[A-Za-z0-9_-]+)", part.get_payload(decode=True).decode())
    assert m, "no reset link in the mail"
    return m.group(1)


def without_csrf(page):
    return re.sub(r'value="[^"]*"', "", re.sub(r'content="[^"]*"', "", page))


def test_a_reset_link_is_mailed_at_once_and_sets_a_new_password_once(mailstack, smtp):
    mailstack.adduser("ann@example.com", "ann")
    before = mailstack.browser()
    before.login("ann@example.com")
    token = api_token(mailstack, "ann@example.com")
    assert 'href="/auth/reset"' in mailstack.browser().get("/auth/login").body

    r = ask_reset(mailstack, "Ann@Example.com")
    assert r.status == 200 and "Check your mail" in r.body
    mail = smtp.wait_for(1, timeout=10)[0]
    assert "ann@example.com" in mail["To"] and "password" in mail["Subject"].lower()
    link = reset_link(mail)

    b = mailstack.browser()
    page = b.get(link)
    assert page.status == 200 and 'name="password"' in page.body and 'name="confirm"' in page.body
    r = b.submit(link, link, {"password": "a new secret", "confirm": "another one"})
    assert r.status == 400 and "Passwords do not match." in r.body
    r = b.submit(link, link, {"password": "a new secret", "confirm": "a new secret"})
    assert r.status == 303 and r.getheader("Location") == "/auth/login"
    assert "Your password has been set." in " ".join(flashes(b.get("/auth/login").body))

    assert not logged_in(before), "a session from before the reset still works"
    assert not token_works(mailstack, token), "an API token from before the reset still works"
    assert mailstack.browser().login("ann@example.com").status == 200, "the old password works"
    assert mailstack.browser().login("ann@example.com", "a new secret").status == 303
    # The link worked once.
    assert mailstack.browser().get(link).status == 404
    r = b.submit("/auth/reset", link, {"password": "third secret", "confirm": "third secret"})
    assert r.status == 404
    assert mailstack.browser().login("ann@example.com", "a new secret").status == 303


def test_an_unknown_address_gets_the_same_page_and_no_mail(mailstack, smtp):
    mailstack.adduser("ann@example.com", "ann")
    unknown = ask_reset(mailstack, "nobody@example.com")
    known = ask_reset(mailstack, "ann@example.com")
    assert unknown.status == known.status == 200
    assert without_csrf(unknown.body) == without_csrf(known.body)
    smtp.wait_for(1, timeout=10)
    ask_reset(mailstack, "ann@example.com")
    mails = smtp.wait_for(2, timeout=10)
    assert all("ann@example.com" in m["To"] for m in mails), [m["To"] for m in mails]


def test_reset_requests_are_throttled_like_login(mailstack):
    mailstack.adduser("ann@example.com", "ann")
    for email in ("ann@example.com", "nobody@example.com"):
        for _ in range(5):
            assert ask_reset(mailstack, email).status == 200
        assert ask_reset(mailstack, email).status == 429


def test_an_expired_link_does_not_work(mailstack, smtp):
    mailstack.adduser("ann@example.com", "ann")
    ask_reset(mailstack, "ann@example.com")
    link = reset_link(smtp.wait_for(1, timeout=10)[0])
    with sqlite3.connect(os.path.join(mailstack.data_dir, "auth.db")) as db:
        db.execute("UPDATE reset_tokens SET expires_at = unixepoch() - 1")
    assert mailstack.browser().get(link).status == 404
    b = mailstack.browser()
    r = b.submit("/auth/reset", link, {"password": "a new secret", "confirm": "a new secret"})
    assert r.status == 404
    assert mailstack.browser().login("ann@example.com").status == 303


def test_reset_forms_need_the_csrf_token_and_a_sane_link(stack):
    assert stack.browser().post("/auth/reset", {"email": "ann@example.com"}).status == 400
    assert stack.browser().get("/auth/reset/not-a-link").status == 404
    assert stack.browser().get("/auth/reset/%ff").status == 404
