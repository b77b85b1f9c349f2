"""Mail when things break (issue "Second hardening round", items 1 and 2): a full data disk does
not send the same mail at every flush, and a kill -9 in the middle of a large flush repeats at
most the one mail in flight — every notification still arrives."""
import os
import signal
import sqlite3
import subprocess
from collections import Counter
from email.header import decode_header, make_header

import pytest

from smtp_sink import PYTHON, SmtpSink
from stack import Stack, publish, speaker, wait_until

HOLDING = "no mail goes out until it can"  # what svc-mail logs at each flush it holds back

# An SMTP server that stores each message, then waits before its 250: a flush of many mails
# takes long enough to be killed in the middle, and a kill in that wait leaves a message the
# server has but svc-mail has not marked sent — the one that may arrive twice.
SLOW_HANDLER = '''
import asyncio
from aiosmtpd.handlers import Mailbox


class SlowMailbox(Mailbox):
    def __init__(self, mail_dir, delay):
        super().__init__(mail_dir)
        self.delay = float(delay)

    async def handle_DATA(self, server, session, envelope):
        self.handle_message(self.prepare_message(session, envelope))
        await asyncio.sleep(self.delay)
        return "250 OK"

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)
'''


class SlowSmtpSink(SmtpSink):
    def __init__(self, directory, delay):
        super().__init__(directory)
        self.delay = delay

    def start(self):
        with open(os.path.join(self.dir, "slow_sink.py"), "w") as f:
            f.write(SLOW_HANDLER)
        log = open(os.path.join(self.dir, "smtp.log"), "ab")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "slow_sink.SlowMailbox", self.maildir, str(self.delay)],
            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=self.dir))
        wait_until(self._accepts, 10, "the SMTP server to accept connections")


def subject(m):
    return str(make_header(decode_header(m["Subject"])))


def address(m):
    to = m["To"]
    return to[to.index("<") + 1:to.index(">")] if "<" in to else to


def visitor_comment(stack, talk, n):
    r = stack.browser().submit(talk, talk, {"name": f"V{n}", "email": f"v{n}@example.com",
                                            "body": f"comment {n}"})
    assert r.status == 303


def unsent(stack):
    """Rows of mail.db's queue not marked sent (a reader of its own, closed at once)."""
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "mail.db"), timeout=10)
    try:
        return db.execute("SELECT count(*) FROM queue WHERE sent_at IS NULL").fetchone()[0]
    finally:
        db.close()


def attempts(stack):
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "mail.db"), timeout=10)
    try:
        return db.execute("SELECT coalesce(max(attempts), 0) FROM queue").fetchone()[0]
    finally:
        db.close()


def test_a_full_disk_sends_a_mail_once_not_at_every_flush(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                                            str(disk)], capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs as the data disk")
    (tmp_path / "smtp").mkdir()
    smtp = SmtpSink(tmp_path / "smtp")
    smtp.start()
    (tmp_path / "stack").mkdir()  # logs stay off the full disk
    s = Stack(tmp_path / "stack", extra_env={"TALKS_DATA_DIR": str(disk / "var"),
                                             "SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "1"})
    filler = disk / "filler"
    try:
        s.start_all()
        ann = speaker(s)
        talk = publish(ann)
        # The moderation mail is queued and has failed once (no SMTP server): it is due again
        # within seconds, by when the disk is full.
        smtp.stop()
        visitor_comment(s, talk, 0)
        wait_until(lambda: attempts(s) >= 1, 15, "a first, failed, delivery")
        # Fill every free block, as test_chaos.py does. Unbuffered: a buffered file keeps what a
        # last, partial write could not place and fails again when closed.
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        smtp.start()
        held = s.log("mail").count(HOLDING)
        wait_until(lambda: len(smtp.messages()) >= 2 or s.log("mail").count(HOLDING) >= held + 3,
                   30, "three flushes on the full disk")
        assert len(smtp.messages()) <= 1, \
            f"sent {len(smtp.messages())} times while mail.db could not record it"

        os.unlink(filler)
        wait_until(lambda: unsent(s) == 0, 30, "the mail recorded as sent once there is room")
        visitor_comment(s, publish(ann, title="Second talk"), 1)
        wait_until(lambda: any("Second talk" in subject(m) for m in smtp.messages()), 15,
                   "the next mail")
        firsts = [m for m in smtp.messages() if "Fearless C" in subject(m)]
        assert len(firsts) == 1, f"the first mail arrived {len(firsts)} times"
    finally:
        codes = s.stop_all()
        smtp.stop()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    s.assert_clean_exits(codes)


SPEAKERS, TALKS_EACH = 5, 8  # 40 moderation mails, to 5 recipients


def test_kill_9_in_a_large_flush_repeats_at_most_the_mail_in_flight(tmp_path):
    (tmp_path / "smtp").mkdir()
    smtp = SlowSmtpSink(tmp_path / "smtp", delay=0.2)
    smtp.start()
    (tmp_path / "stack").mkdir()
    s = Stack(tmp_path / "stack", extra_env={"SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "1",
                                             "COMMENT_RATE_PER_MINUTE": "0"})
    try:
        s.start_all()
        speakers = [speaker(s, f"sp{i}") for i in range(SPEAKERS)]
        # svc-mail is down while the comments come: they wait in svc-comments' outbox, and its
        # first flush after the start sends all 40 mails, one by one.
        assert s.stop("mail") == 0
        expected = set()
        for i, b in enumerate(speakers):
            for k in range(TALKS_EACH):
                title = f"Talk {i}-{k}"
                visitor_comment(s, publish(b, title=title), i * TALKS_EACH + k)
                expected.add((f"sp{i}@example.com", title))
        s.start("mail")
        wait_until(lambda: len(smtp.messages()) >= 10, 60, "the flush to be under way")
        s.stop("mail", signal.SIGKILL)
        before = len(smtp.messages())
        assert before < len(expected), "the flush ended before the kill: nothing was tested"

        s.start("mail")
        wait_until(lambda: unsent(s) == 0, 90, "every notification marked sent after the restart")
        got = Counter((address(m), subject(m).split('"')[1]) for m in smtp.messages())
        assert set(got) == expected, f"lost: {sorted(expected - set(got))[:5]}"
        repeats = {k: n for k, n in got.items() if n > 1}
        assert sum(n - 1 for n in repeats.values()) <= 1, f"sent more than once: {repeats}"
    finally:
        codes = s.stop_all()
        smtp.stop()
    s.assert_clean_exits(codes)
