"""Mail (SPEC §6) against a real SMTP server: who is told of what, batching, unsubscribing, and
nothing lost or sent twice across restarts of svc-mail, the SMTP server or the gateway."""
import json
import os
import re
import signal
from email.header import decode_header, make_header

import pytest

from stack import Stack, publish, speaker, wait_until

VISITOR = {"name": "Vic", "email": "vic@example.com", "body": "First!", "notify": "on"}


@pytest.fixture
def mailstack(tmp_path, smtp):
    (tmp_path / "stack").mkdir()
    s = Stack(tmp_path / "stack", extra_env={"SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "1"})
    s.start_all()
    yield s
    codes = s.stop_all()
    for name, code in codes.items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"


def subject(m):
    return str(make_header(decode_header(m["Subject"])))


def text_of(m):
    part = m.get_payload()[0] if m.is_multipart() else m
    return part.get_payload(decode=True).decode()


def approve_all(stack, browser, talk):
    token = browser.csrf(talk)
    for cid in re.findall(r'data-comment-id="(\d+)"[^>]*>Approve', browser.get(talk).body):
        r = browser.request("PUT", f"/api/1.0/comments/{cid}", headers={"X-CSRF-Token": token})
        assert r.status == 200


def visitor_comment(stack, talk, **fields):
    b = stack.browser()
    r = b.submit(talk, talk, dict(VISITOR, **fields))
    assert r.status == 303
    return b


def test_speaker_is_told_of_a_comment_waiting_for_them(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann, title="Fearless C")
    visitor_comment(mailstack, talk)
    [m] = smtp.wait_for(1)
    assert m["To"].endswith("<ann@example.com>")
    assert "Fearless C" in subject(m)
    cid = re.findall(r'id="comment-(\d+)"', ann.get(talk).body)[0]
    assert f"{talk}#comment-{cid}" in text_of(m)
    assert "List-Unsubscribe" not in m


def nice_values(pid):
    """The nice value of each thread of process pid (field 19 of /proc/<pid>/task/<tid>/stat)."""
    values = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            values.add(int(f.read().rsplit(")", 1)[1].split()[16]))
    return values


def test_svc_mail_works_at_the_lowest_cpu_priority_and_still_mails(mailstack, smtp):
    """svc-mail takes the CPU the request path leaves (svc-mail/main.c): every one of its threads
    runs at nice 19, every other process at 0; and a comment is still mailed."""
    for name, proc in mailstack.procs.items():
        assert nice_values(proc.pid) == ({19} if name == "mail" else {0}), name
    ann = speaker(mailstack)
    visitor_comment(mailstack, publish(ann, title="Fearless C"))
    [m] = smtp.wait_for(1)
    assert "Fearless C" in subject(m)


def test_subscribers_hear_of_new_visible_comments_and_can_unsubscribe(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann)
    visitor_comment(mailstack, talk)  # Vic, notify on
    approve_all(mailstack, ann, talk)
    smtp.wait_for(1)  # the moderation mail to ann
    visitor_comment(mailstack, talk, name="Bob", email="bob@example.com", body="Second")
    approve_all(mailstack, ann, talk)
    wait_until(lambda: smtp.to("vic@example.com"), 15, "Vic's notification")
    [m] = smtp.to("vic@example.com")
    assert "New comment on" in subject(m) and "Fearless C" in subject(m)
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(http[^>]+)>", m["List-Unsubscribe"]).group(1)
    assert unsubscribe in text_of(m) and "vic" not in unsubscribe  # no address in the link
    assert "Second" in text_of(m)
    assert smtp.to("bob@example.com") == []  # not told of their own comment
    assert len(smtp.to("ann@example.com")) == 2  # two moderation mails, no subscriber mail

    path = unsubscribe.split(str(mailstack.port), 1)[1]
    page = mailstack.request("GET", path)
    assert page.status == 200 and "Unsubscribe" in page.body and "v…@example.com" in page.body
    # The GET changed nothing; the one-click POST (no CSRF token, as mail clients send it) does.
    r = mailstack.request("POST", path, body="List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200 and "will not receive any more email notifications" in r.body
    visitor_comment(mailstack, talk, name="Cy", email="cy@example.com", body="Third")
    approve_all(mailstack, ann, talk)
    wait_until(lambda: len(smtp.to("ann@example.com")) == 3, 15, "the third moderation mail")
    assert len(smtp.to("vic@example.com")) == 1


def test_forged_or_altered_unsubscribe_tokens_are_refused(mailstack):
    for token in ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x", "%00", "a" * 300):
        r = mailstack.request("GET", f"/unsubscribe/{token}")
        assert r.status == 404


def test_pending_comments_mail_nobody_but_the_speaker(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann)
    visitor_comment(mailstack, talk)
    approve_all(mailstack, ann, talk)
    for i in range(3):
        visitor_comment(mailstack, talk, name=f"P{i}", email="vic2@example.com", body=f"pending {i}")
    wait_until(lambda: any("pending 2" in text_of(m) for m in smtp.to("ann@example.com")), 15,
               "the speaker's moderation mail")
    assert smtp.to("vic@example.com") == []


def test_one_mail_per_recipient_per_talk_per_flush(tmp_path, smtp):
    (tmp_path / "slow").mkdir()
    s = Stack(tmp_path / "slow", extra_env={"SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "3",
                                            "COMMENT_RATE_PER_MINUTE": "0"})
    s.start_all()
    try:
        ann = speaker(s)
        talk = publish(ann)
        for i in range(10):
            visitor_comment(s, talk, name=f"V{i}", email=f"v{i}@example.com", body=f"c{i}")
        [m] = smtp.wait_for(1)
        body = text_of(m)
        assert all(f"c{i}" in body for i in range(10))
        # svc-mail keeps the speaker's contact a while: not one auth.user_contact per comment.
        asked = s.log("auth").count("op=auth.user_contact")
        assert 1 <= asked <= 2, f"svc-auth was asked {asked} times"
    finally:
        s.stop_all()


def test_names_cannot_inject_headers(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann, title="Title: with \"quotes\", a colon, and <angle> brackets")
    # A line break in a name is refused at the form; the rest must stay inside one header.
    r = mailstack.browser().submit(talk, talk, dict(VISITOR, name="Eve\r\nBcc: x@y.test"))
    assert r.status == 400
    visitor_comment(mailstack, talk, name="Eve Bcc: x@y.test =?UTF-8?B?QmNjOiB4?=")
    [m] = smtp.wait_for(1)
    assert "Bcc" not in m and len(m.get_all("To")) == 1
    assert "x@y.test" not in open(os.path.join(smtp.dir, "smtp.log")).read()
    assert "<angle>" in subject(m)


def test_nothing_is_lost_while_the_mail_service_is_down(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann)
    mailstack.stop("mail", signal.SIGKILL)
    for i in range(3):
        visitor_comment(mailstack, talk, name=f"V{i}", email=f"v{i}@example.com", body=f"down {i}")
    mailstack.start("mail")
    msgs = smtp.wait_for(1)
    assert all(f"down {i}" in text_of(msgs[0]) for i in range(3))
    # Once, even after another restart.
    mailstack.stop("mail")
    mailstack.start("mail")
    wait_until(lambda: mailstack.healthy(), 10, "svc-mail back")
    visitor_comment(mailstack, talk, name="Last", email="last@example.com", body="last")
    wait_until(lambda: any("last" in text_of(m) for m in smtp.messages()), 15, "the next mail")
    assert sum("down 0" in text_of(m) for m in smtp.messages()) == 1


def test_mail_waits_for_the_smtp_server_and_then_arrives_once(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann)
    smtp.stop()
    visitor_comment(mailstack, talk)
    wait_until(lambda: "not sent" in mailstack.log("mail"), 15, "a failed delivery")
    smtp.start()
    msgs = smtp.wait_for(1, timeout=20)
    assert len(msgs) == 1


def test_events_lost_with_a_gateway_restart_are_replayed_from_the_outbox(mailstack, smtp):
    ann = speaker(mailstack)
    talk = publish(ann)
    mailstack.stop("gateway", signal.SIGKILL)
    mailstack.start("gateway")
    wait_until(lambda: mailstack.healthy(), 10, "the gateway back")
    visitor_comment(mailstack, talk)
    assert len(smtp.wait_for(1)) == 1


def test_without_smtp_mail_is_written_as_eml_files(stack):
    stack.stop("mail")
    stack.env["MAIL_FLUSH_SECONDS"] = "1"
    stack.start("mail")
    ann = speaker(stack)
    talk = publish(ann)
    visitor_comment(stack, talk)
    maildir = os.path.join(stack.env["TALKS_DATA_DIR"], "mail")
    wait_until(lambda: os.path.isdir(maildir) and any(f.endswith(".eml") for f in os.listdir(maildir)),
               15, "an .eml file")
    eml = [f for f in os.listdir(maildir) if f.endswith(".eml")][0]
    assert "ann@example.com" in open(os.path.join(maildir, eml), encoding="utf-8").read()


def test_errors_are_mailed_to_the_admin_in_production_rate_limited(tmp_path, smtp):
    import sqlite3
    (tmp_path / "prod").mkdir()
    s = Stack(tmp_path / "prod", extra_env={
        "TALKS_ENV": "production", "SECRET_KEY": "a production secret of some length",
        "MAIL_ADMIN": "ops@example.com", "SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "1"})
    s.start_all()
    try:
        ann = speaker(s)
        talk = publish(ann)
        db = sqlite3.connect(os.path.join(s.env["TALKS_DATA_DIR"], "comments.db"))
        db.execute("CREATE TRIGGER broken BEFORE INSERT ON comments "
                   "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        db.commit()
        for body in ("one", "two"):
            r = ann.submit(talk, talk, {"body": body})
            assert r.status == 500
        wait_until(lambda: smtp.to("ops@example.com"), 15, "the error report")
        [m] = smtp.to("ops@example.com")
        assert "errors logged" in subject(m) and "disk trouble" in text_of(m)
        # Errors after a report wait for the next window instead of making another mail now.
        wait_until(lambda: s.log("comments").count("disk trouble") >= 2, 15, "the second error")
        mail_db = sqlite3.connect(os.path.join(s.env["TALKS_DATA_DIR"], "mail.db"))

        def sent_reports():
            return mail_db.execute(
                "SELECT count(sent_at) FROM queue WHERE kind = 'admin'").fetchone()[0]
        # svc-mail records the report as sent just after the SMTP server has it.
        wait_until(lambda: sent_reports() >= 1, 15, "the report recorded as sent")
        assert len(smtp.to("ops@example.com")) == 1
    finally:
        s.stop_all()
