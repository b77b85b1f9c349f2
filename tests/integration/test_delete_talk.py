"""Deleting a talk (SPEC §4 GET, POST /delete/<id>, §5 DELETE /api/1.0/talks/<id>): who may, the
confirmation, and that the talk goes everywhere at once — its page, comments, search hit, the
timeline, the speaker's page and the feeds (whatever the gateway had cached), its pending mail —
and that a talk made afterwards never inherits anything of it."""
import base64
import json
import re
import signal
import urllib.parse

import pytest

from stack import Stack, flashes, freeze, publish, speaker, wait_until

VISITOR = {"name": "Vic", "email": "vic@example.com", "body": "Nice **talk**", "notify": "on"}


@pytest.fixture
def cached(tmp_path):
    """A stack whose page cache never expires by itself: a page that shows a deleted talk is one
    the deletion failed to forget."""
    s = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "3600000"})
    s.start_all()
    yield s
    for name, code in s.stop_all().items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"


def talk_id(url):
    return url.rsplit("/", 1)[1]


def visitor_comment(stack, talk, **fields):
    r = stack.browser().submit(talk, talk, dict(VISITOR, **fields))
    assert r.status == 303, r.body


def approve_all(browser, talk):
    token = browser.csrf(talk)
    for cid in re.findall(r'data-comment-id="(\d+)"[^>]*>Approve', browser.get(talk).body):
        assert browser.request("PUT", f"/api/1.0/comments/{cid}",
                               headers={"X-CSRF-Token": token}).status == 200


def public_pages(talk):
    return ["/", "/user/ann", "/feed.atom", "/user/ann/feed.atom", "/search?q=Doomed",
            talk, f"{talk}/feed.atom", f"/api/1.0/talks/{talk_id(talk)}"]


def test_the_speaker_confirms_and_the_talk_goes_everywhere(cached):
    ann = speaker(cached)
    keep = publish(ann, title="Kept talk")
    talk = publish(ann, title="Doomed talk", description="about bananas")
    tid = talk_id(talk)
    visitor_comment(cached, talk)
    approve_all(ann, talk)
    visitor_comment(cached, talk, name="Pat", email="pat@example.com", body="still pending")
    # Visitors have seen every page (so the gateway caches them) with the talk on it.
    for path in public_pages(talk):
        r = cached.request("GET", path)
        assert r.status == 200 and f"/talk/{tid}" in r.body or path.startswith("/api/"), path
    assert "Nice <strong>talk</strong>" in cached.request("GET", talk).body
    assert "still pending" in ann.get("/moderate").body

    # The talk page and the edit form lead to the confirmation, for the speaker only.
    assert f'href="/delete/{tid}"' in ann.get(talk).body
    assert f'href="/delete/{tid}"' in ann.get(f"/edit/{tid}").body
    assert f'href="/delete/{tid}"' not in cached.request("GET", talk).body
    page = ann.get(f"/delete/{tid}")
    assert page.status == 200 and "Doomed talk" in page.body
    assert f'action="/delete/{tid}"' in page.body and 'name="csrf_token"' in page.body
    assert cached.request("GET", talk).status == 200  # asking changed nothing

    # Without the CSRF token nothing happens.
    assert ann.post(f"/delete/{tid}", {}).status == 400
    assert cached.request("GET", talk).status == 200

    r = ann.submit(f"/delete/{tid}", f"/delete/{tid}", {})
    assert r.status == 303 and r.getheader("Location") == "/user/ann"
    assert flashes(ann.get("/user/ann").body) == ["The talk was deleted."]

    assert cached.request("GET", talk).status == 404
    assert cached.request("GET", f"{talk}/feed.atom").status == 404
    assert cached.request("GET", f"/api/1.0/talks/{tid}").status == 404
    for path in public_pages(talk)[:5]:
        r = cached.request("GET", path)
        assert r.status == 200 and f"/talk/{tid}" not in r.body, path
    assert "Kept talk" in cached.request("GET", "/").body
    assert "Kept talk" in cached.request("GET", "/user/ann").body
    assert f"/talk/{tid}" not in cached.request("GET", "/search?q=bananas").body
    # Its comments went with it: none left to moderate, none to add.
    wait_until(lambda: "still pending" not in ann.get("/moderate").body, 5, "the comments gone")
    assert "still pending" not in ann.get(keep).body
    r = cached.browser().submit(keep, talk, VISITOR)
    assert r.status == 404
    # Deleting it again: it is not there.
    assert ann.submit(keep, f"/delete/{tid}", {}).status == 404
    assert ann.get(f"/delete/{tid}").status == 404


def test_only_the_speaker_or_an_admin_may_delete(stack):
    ann = speaker(stack)
    talk = publish(ann)
    tid = talk_id(talk)
    bob = speaker(stack, "bob")
    assert f'href="/delete/{tid}"' not in bob.get(talk).body
    assert bob.get(f"/delete/{tid}").status == 403
    assert bob.submit(talk, f"/delete/{tid}", {}).status == 403
    assert stack.request("GET", talk).status == 200
    # A visitor is sent to log in.
    r = stack.browser().get(f"/delete/{tid}")
    assert r.status == 302 and r.getheader("Location").startswith("/auth/login?next=")
    # An admin may, and goes back to the timeline.
    root = speaker(stack, "root", admin=True)
    assert f'href="/delete/{tid}"' in root.get(talk).body
    r = root.submit(f"/delete/{tid}", f"/delete/{tid}", {})
    assert r.status == 303 and r.getheader("Location") == "/"
    assert stack.request("GET", talk).status == 404
    for path in ("/delete/999", "/delete/abc"):
        assert ann.get(path).status == 404


def test_a_new_talk_never_inherits_a_deleted_ones_comments(stack):
    ann = speaker(stack)
    publish(ann, title="Older")
    newest = publish(ann, title="Newest")
    visitor_comment(stack, newest, body="about the newest")
    approve_all(ann, newest)
    assert "about the newest" in stack.request("GET", newest).body
    assert ann.submit(newest, f"/delete/{talk_id(newest)}", {}).status == 303
    after = publish(ann, title="After")
    assert int(talk_id(after)) > int(talk_id(newest))
    # Even after a restart of svc-talks (its table's next id is on disk, not in memory).
    stack.stop("talks")
    stack.start("talks")
    wait_until(lambda: stack.request("GET", after).status == 200, 10, "svc-talks back")
    again = publish(ann, title="Again")
    assert int(talk_id(again)) > int(talk_id(after))
    for url in (after, again):
        body = stack.request("GET", url).body
        assert "about the newest" not in body
    assert json.loads(stack.request("GET", f"/api/1.0/talks/{talk_id(after)}/comments").body)[
        "total"] == 0


def test_a_comment_racing_the_talks_deletion_is_404_not_500(stack):
    """A comment posted to a talk that the gateway still remembers (talk_authors: no talks.get
    before comments.create) but svc-comments has heard is deleted: the talk page's 404, not a
    500. The race is made deterministic by a deletion whose answer the gateway never gets:
    svc-talks is frozen, the delete is answered 503 (nothing forgotten), then svc-talks wakes,
    deletes the talk and tells svc-comments."""
    ann = speaker(stack)
    talk = publish(ann)
    tid = talk_id(talk)
    vic = stack.browser()
    vic_token = vic.csrf(talk)  # the talk page: the gateway now remembers the talk's speaker
    ann_token = ann.csrf(talk)
    talks = stack.procs["talks"]
    freeze(talks.pid)
    try:
        r = ann.post(f"/delete/{tid}", {"csrf_token": ann_token})
    finally:
        talks.send_signal(signal.SIGCONT)
    assert r.status == 503
    wait_until(lambda: re.search(r"op=comments\.talk_deleted .*result=ok", stack.log("comments")),
               10, "svc-comments to hear of the deletion the gateway missed")
    # The first finds the speaker remembered and is refused by svc-comments, which makes the
    # gateway forget it: the second asks svc-talks, which no longer has the talk.
    for browser, token in ((vic, vic_token), (ann, ann_token)):
        r = browser.post(talk, dict(VISITOR, csrf_token=token))
        assert r.status == 404, r.body
        assert "Page not found" in r.body


def api_token(stack, email):
    basic = base64.b64encode(f"{email}:correct horse".encode()).decode()
    r = stack.request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {basic}"})
    assert r.status == 200, r.body
    return json.loads(r.body)["token"]


def test_api_delete(stack):
    ann = speaker(stack)
    speaker(stack, "bob")
    talk = publish(ann)
    tid = talk_id(talk)
    path = f"/api/1.0/talks/{tid}"

    def delete(token=None, p=path):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = stack.request("DELETE", p, headers=headers)
        return r.status, json.loads(r.body)

    status, body = delete()
    assert status == 401 and body["message"] == "Authentication token not provided."
    assert delete("not-a-token")[0] == 401
    status, body = delete(api_token(stack, "bob@example.com"))
    assert status == 403 and body["status"] == "forbidden"
    assert stack.request("GET", path).status == 200
    ann_token = api_token(stack, "ann@example.com")
    status, body = delete(ann_token, "/api/1.0/talks/99999")
    assert status == 404 and body["status"] == "not found"
    assert delete(ann_token) == (200, {"status": "ok"})
    assert stack.request("GET", path).status == 404
    assert stack.request("GET", talk).status == 404
    assert delete(ann_token)[0] == 404
    # The page's own script may use the session and its CSRF token instead.
    other = publish(ann, title="Second")
    token = ann.csrf(other)
    r = ann.request("DELETE", f"/api/1.0/talks/{talk_id(other)}", headers={"X-CSRF-Token": token})
    assert r.status == 200
    assert stack.request("GET", other).status == 404


def test_mail_about_a_deleted_talk_is_not_sent(tmp_path, smtp):
    (tmp_path / "stack").mkdir()
    s = Stack(tmp_path / "stack", extra_env={"SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "1"})
    s.start_all()
    try:
        ann = speaker(s)
        doomed = publish(ann, title="Doomed talk")
        # svc-mail is away while the talk gets comments (a moderation mail to Ann, then a
        # subscriber's notification) and is deleted: when it is back, its outbox reading queues
        # those mails and then drops them with the talk.
        s.stop("mail")
        visitor_comment(s, doomed)
        approve_all(ann, doomed)
        visitor_comment(s, doomed, name="Bob", email="bob@example.com", body="Second")
        approve_all(ann, doomed)
        assert ann.submit(doomed, f"/delete/{talk_id(doomed)}", {}).status == 303
        s.start("mail")
        # A mail about another talk, asked for after, comes: anything about the deleted one
        # would have come before it.
        kept = publish(ann, title="Kept talk")
        visitor_comment(s, kept, name="Cy", email="cy@example.com")
        wait_until(lambda: smtp.to("ann@example.com"), 20, "the mail about the kept talk")
        subjects = [str(m["Subject"]) for m in smtp.messages()]
        assert smtp.to("vic@example.com") == []
        assert len(smtp.to("ann@example.com")) == 1, subjects
    finally:
        codes = s.stop_all()
    for name, code in codes.items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"
