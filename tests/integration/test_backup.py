"""talksctl backup and restore (SPEC §3): an online, consistent copy of every service's database
made by the services themselves while they serve, checked against its manifest on restore, put
back only while the stack is stopped, and rotated to keep the newest N."""
import email
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import threading

import pytest

from stack import Stack, publish, speaker, wait_until

DATABASES = ["mail.db", "comments.db", "talks.db", "auth.db"]
STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def backup(stack, folder, *args):
    return stack.talksctl("backup", str(folder), *args)


def backups_in(folder):
    return sorted(n for n in os.listdir(folder) if STAMP.match(n))


def one_line(r):
    """talksctl failed with one line on standard error, and said nothing on standard output."""
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1 and r.stderr.startswith("talksctl: "), r.stderr
    return r.stderr


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_database(path):
    """The copy opens on its own and passes integrity_check; returns its connection."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], path
    return db


def site(stack):
    """ann with a profile, a talk with two published comments and one pending; returns ann's
    browser and the talk's path."""
    ann = speaker(stack, "ann")
    r = ann.submit("/profile", "/profile", {"name": "Ann Speaker", "location": "Lisbon",
                                            "bio": "Talks about C."})
    assert r.status == 303
    talk = publish(ann)
    for body in ["First **words**", "Second words"]:
        assert ann.submit(talk, talk, {"body": body}).status == 303
    visitor = stack.browser()
    r = visitor.submit(talk, talk, {"name": "Vic", "email": "vic@example.com", "body": "Pending"})
    assert r.status == 303
    return ann, talk


TOKENS = [
    (re.compile(r'(name="(?:csrf_token|form_key)" value=")[^"]*"'), r'\1…"'),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]*"'), r'\1…"'),
    # where the live stream starts: a change number of the stack, not something a visitor sees
    (re.compile(r'( data-live-after=")[^"]*"'), r'\1…"'),
]


def visitor_page(stack, path):
    """What a visitor sees at path, without what changes with every request (its tokens)."""
    r = stack.request("GET", path)
    assert r.status == 200, (path, r.status)
    text = r.body
    for pattern, repl in TOKENS:
        text = pattern.sub(repl, text)
    return text


def test_backup_under_comment_load_is_a_consistent_copy(stack, tmp_path):
    ann, talk = site(stack)
    token = ann.csrf(talk)
    stop, posted, failures = threading.Event(), [0], []

    def post_comments():
        while not stop.is_set():
            r = ann.post(talk, {"csrf_token": token, "body": f"Comment {posted[0]}"})
            if r.status != 303:
                failures.append(r.status)
                return
            posted[0] += 1

    writer = threading.Thread(target=post_comments)
    writer.start()
    try:
        wait_until(lambda: posted[0] >= 20, 30, "comments being posted")
        runs = []
        for _ in range(3):
            before = posted[0]
            runs.append((backup(stack, tmp_path / "backups"), before))
    finally:
        stop.set()
        writer.join()
    assert not failures, failures
    for r, _ in runs:
        assert r.returncode == 0, r.stderr
        assert r.stderr == "" and r.stdout.startswith("Backed up mail.db, comments.db, talks.db, auth.db into ")
    folders = backups_in(tmp_path / "backups")
    assert len(folders) == 3 and not any(n.endswith(".partial") for n in os.listdir(tmp_path / "backups"))
    counts = []
    for name in folders:
        folder = tmp_path / "backups" / name
        assert sorted(os.listdir(folder)) == sorted(DATABASES + ["manifest.json"])
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["format"] == 1 and manifest["created"].endswith("Z")
        assert [d["file"] for d in manifest["databases"]] == DATABASES
        for d in manifest["databases"]:
            path = folder / d["file"]
            assert d["service"] == d["file"][:-3]
            assert d["size"] == os.path.getsize(path) and d["sha256"] == sha256(path)
            db = check_database(path)
            assert d["schema_version"] == db.execute("PRAGMA user_version").fetchone()[0] > 0
            db.close()
        db = check_database(folder / "comments.db")
        counts.append(db.execute("SELECT count(*) FROM comments").fetchone()[0])
        db.close()
    # Each copy holds every comment made before it started, and they were made while comments
    # kept coming.
    assert all(c >= 3 + before for c, (_, before) in zip(counts, runs)), (counts, runs)
    assert counts == sorted(counts) and counts[-1] > counts[0], counts


def test_restore_into_a_fresh_stack_gives_the_same_pages(tmp_path):
    # Two stacks configured alike but for their ports and data folders.
    same = {"TALKS_PUBLIC_URL": "https://talks.example.org"}
    first, second = Stack(tmp_path / "first", same), Stack(tmp_path / "second", same)
    first.start_all()
    try:
        ann, talk = site(first)
        pages = ["/", talk, "/user/ann", "/feed.atom", "/user/ann/feed.atom"]
        before = {p: visitor_page(first, p) for p in pages}
        r = backup(first, tmp_path / "backups")
        assert r.returncode == 0, r.stderr
    finally:
        codes = first.stop_all()
    assert all(code == 0 for code in codes.values()), codes
    (name,) = backups_in(tmp_path / "backups")

    r = second.talksctl("restore", str(tmp_path / "backups" / name))  # never started
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Restored mail.db, comments.db, talks.db, auth.db from the backup of ")
    second.start_all()
    try:
        for p in pages:
            assert visitor_page(second, p) == before[p], p
        # The accounts came along: ann logs in on the second stack, and sees the pending comment.
        ann2 = second.browser()
        assert ann2.login("ann@example.com").status == 303
        assert "Pending" in ann2.get(talk).body
    finally:
        codes = second.stop_all()
    assert all(code == 0 for code in codes.values()), codes


def test_an_unwritable_dir_fails_with_one_line(stack, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    for target in [afile, afile / "below", "/proc"]:
        assert "backup failed" in one_line(backup(stack, target))
    assert afile.read_text() == "not a folder"
    if os.geteuid() != 0:  # root writes anywhere; /proc above is what refuses it
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert "cannot write in" in one_line(backup(stack, locked))
        assert os.listdir(locked) == []


def test_a_service_that_cannot_be_reached_fails_the_backup_and_only_names_the_rest(stack, tmp_path):
    stack.stop("mail")
    folder = tmp_path / "backups"
    line = one_line(backup(stack, folder))
    assert "svc-mail unreachable" in line and "nothing kept" in line
    assert os.listdir(folder) == []  # no .partial left either
    # --only copies what is reachable here (as in a container, where it is the one service)
    r = backup(stack, folder, "--only", "auth,talks,comments")
    assert r.returncode == 0, r.stderr
    (name,) = backups_in(folder)
    manifest = json.loads((folder / name / "manifest.json").read_text())
    assert [d["file"] for d in manifest["databases"]] == ["comments.db", "talks.db", "auth.db"]
    assert sorted(os.listdir(folder / name)) == ["auth.db", "comments.db", "manifest.json", "talks.db"]
    assert "--only" in one_line(backup(stack, folder, "--only", "auth,nobody"))
    stack.start("mail")  # the fixture stops it again, once it is up
    wait_until(stack.healthy, 15, "svc-mail back")


def test_keep_rotates_the_oldest_away(stack, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for old in ["20200101T000000Z", "20210101T000000Z", "20220101T000000Z"]:
        (folder / old).mkdir()
        (folder / old / "auth.db").write_text("old")
    (folder / "keep-me").mkdir()
    (folder / "20190101T000000Z.partial").mkdir()
    r = backup(stack, folder, "--keep", "2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.rstrip().endswith("2 older backups removed.")
    first = backups_in(folder)
    assert len(first) == 2 and first[0] == "20220101T000000Z"
    for _ in range(2):  # in the same second as the last: it waits for the next
        r = backup(stack, folder, "--keep", "2")
        assert r.returncode == 0, r.stderr
    now = backups_in(folder)
    assert len(now) == 2 and now[0] > first[1]
    assert (folder / "keep-me").is_dir() and (folder / "20190101T000000Z.partial").is_dir()
    for bad in ["0", "-1", "x"]:
        assert "--keep" in one_line(backup(stack, folder, "--keep", bad))


def test_restore_refuses_while_the_stack_runs_and_changes_nothing(stack, tmp_path):
    site(stack)
    r = backup(stack, tmp_path / "backups")
    assert r.returncode == 0, r.stderr
    (name,) = backups_in(tmp_path / "backups")
    restore = ("restore", str(tmp_path / "backups" / name))
    data = stack.real_data_dir
    hashes = {f: sha256(os.path.join(data, f)) for f in DATABASES}
    line = one_line(stack.talksctl(*restore))
    assert "restore refused" in line and "svc-mail is running" in line
    assert {f: sha256(os.path.join(data, f)) for f in DATABASES} == hashes
    # Asking left every listener as it was: talksctl still reaches every service.
    assert backup(stack, tmp_path / "again").returncode == 0
    # The gateway alone is enough to refuse (it caches pages and each talk's speaker), and it
    # still takes the services back afterwards.
    for service in ["auth", "talks", "comments", "mail"]:
        stack.stop(service)
    assert "the gateway is running" in one_line(stack.talksctl(*restore))
    for service in ["auth", "talks", "comments", "mail"]:
        stack.start(service)
    wait_until(stack.healthy, 15, "every service back behind the same gateway")
    # So is one service left running.
    for service in ["gateway", "auth", "talks", "comments"]:
        stack.stop(service)
    assert "svc-mail is running" in one_line(stack.talksctl(*restore))
    stack.stop("mail")
    stack.start_all()  # the fixture stops it again


def test_a_second_comments_replica_leaves_talksctl_its_control_socket(stack, tmp_path):
    # The second replica finds the control address held and must not disturb its holder (an nng
    # 1.5.2 listener probed by a hang-up stops accepting): talksctl still reaches svc-comments.
    stack.start("comments2", "talks-comments")
    wait_until(lambda: "is held by another replica" in stack.log("comments2"), 15,
               "the second replica to find the control address held")
    r = backup(stack, tmp_path / "backups", "--only", "comments")
    assert r.returncode == 0, r.stderr
    assert "is held" not in stack.log("comments")


def test_a_replica_takes_the_control_socket_over_when_its_holder_dies(stack, tmp_path):
    # kill -9 of the replica that answers talksctl (a replica killed or scaled down): another
    # takes the address over, so talksctl still reaches svc-comments.
    stack.start("comments2", "talks-comments")
    wait_until(lambda: "is held by another replica" in stack.log("comments2"), 15,
               "the second replica to find the control address held")
    stack.stop("comments", signal.SIGKILL)
    wait_until(lambda: "taken over" in stack.log("comments2"), 15,
               "the second replica to take the control address over")
    r = backup(stack, tmp_path / "backups", "--only", "comments")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("tamper", ["a changed byte", "a missing file", "an unknown database",
                                    "a manifest that is not one"])
def test_a_tampered_backup_is_refused_and_changes_nothing(stack, tmp_path, tamper):
    site(stack)
    r = backup(stack, tmp_path / "backups")
    assert r.returncode == 0, r.stderr
    (name,) = backups_in(tmp_path / "backups")
    folder = tmp_path / "backups" / name
    # a talk made after the backup: a restore would take it away
    publish(speaker(stack, "bob"), title="After the backup")
    stack.stop_all()
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if tamper == "a changed byte":
        with open(folder / "talks.db", "r+b") as f:
            f.seek(os.path.getsize(folder / "talks.db") - 10)
            f.write(b"X")
        expected = "talks.db does not match manifest.json"
    elif tamper == "a missing file":
        os.unlink(folder / "comments.db")
        expected = "comments.db"
    elif tamper == "an unknown database":
        manifest["databases"][0]["file"] = "../../etc/passwd"
        manifest_path.write_text(json.dumps(manifest))
        expected = "not a database of this site"
    else:
        manifest_path.write_text("{}")
        expected = "is not a backup's manifest"
    data = stack.real_data_dir
    before = {f: sha256(os.path.join(data, f)) for f in os.listdir(data)
              if os.path.isfile(os.path.join(data, f))}
    line = one_line(stack.talksctl("restore", str(folder)))
    assert "restore refused, nothing changed" in line and expected in line, line
    after = {f: sha256(os.path.join(data, f)) for f in os.listdir(data)
             if os.path.isfile(os.path.join(data, f))}
    assert after == before
    stack.start_all()
    assert "After the backup" in stack.request("GET", "/").body


def test_restore_puts_the_backup_back_and_drops_the_old_write_ahead_log(stack, tmp_path):
    site(stack)
    r = backup(stack, tmp_path / "backups")
    assert r.returncode == 0, r.stderr
    (name,) = backups_in(tmp_path / "backups")
    bob = speaker(stack, "bob")
    publish(bob, title="After the backup")
    stack.stop_all()
    data = stack.real_data_dir
    # A write-ahead log left beside a database must not be applied to the restored one.
    with open(os.path.join(data, "talks.db-wal"), "wb") as f:
        f.write(b"stale log from the old file")
    r = stack.talksctl("restore", str(tmp_path / "backups" / name))
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout.count("\n") == 1
    assert not os.path.exists(os.path.join(data, "talks.db-wal"))
    for f in DATABASES:
        assert sha256(os.path.join(data, f)) == sha256(tmp_path / "backups" / name / f)
        assert stat.S_IMODE(os.stat(os.path.join(data, f)).st_mode) == 0o600
    assert not [n for n in os.listdir(data) if n.endswith(".restore")]
    stack.start_all()
    assert "After the backup" not in stack.request("GET", "/").body
    assert "Fearless C" in stack.request("GET", "/").body
    assert stack.browser().login("bob@example.com").status != 303  # bob came after the backup


def restore_alone(stack, folder, database):
    """Stops the stack, puts one database back from the backup in folder (as talksctl restore
    does for each: its old write-ahead log removed first), and starts the stack again."""
    stack.stop_all_cleanly()
    data = stack.real_data_dir
    for suffix in ("-wal", "-shm"):
        if os.path.exists(os.path.join(data, database + suffix)):
            os.remove(os.path.join(data, database + suffix))
    shutil.copyfile(folder / database, os.path.join(data, database))
    stack.start_all()


def mailed_texts(stack):
    """The decoded text of each mail the stack wrote as a file (no SMTP_URL)."""
    maildir = os.path.join(stack.data_dir, "mail")
    texts = []
    for name in sorted(os.listdir(maildir)) if os.path.isdir(maildir) else []:
        if name.endswith(".eml"):
            with open(os.path.join(maildir, name), "rb") as f:
                m = email.message_from_binary_file(f)
            texts.append("".join((p.get_payload(decode=True) or b"").decode("utf-8", "replace")
                                 for p in m.walk() if not p.is_multipart()))
    return texts


def test_a_comments_db_restored_alone_from_an_older_backup_still_gets_new_comments_mailed(tmp_path):
    """svc-mail's place in the comment events is past what the older comments.db numbered: its
    next events are numbered after that place, not skipped (nor their mail's keys taken)."""
    s = Stack(tmp_path / "stack", {"MAIL_FLUSH_SECONDS": "1"})
    s.start_all()
    try:
        ann = speaker(s, "ann")
        talk = publish(ann)
        assert backup(s, tmp_path / "backups").returncode == 0
        (name,) = backups_in(tmp_path / "backups")
        visitor = s.browser()
        for i in range(3):
            r = visitor.submit(talk, talk, {"name": "Vic", "email": "vic@example.com",
                                            "body": f"Before the restore {i}"})
            assert r.status == 303
        wait_until(lambda: sum("Before the restore 2" in t for t in mailed_texts(s)) == 1, 20,
                   "the speaker's moderation mail about the comments after the backup")
        restore_alone(s, tmp_path / "backups" / name, "comments.db")
        wait_until(lambda: "numbered after it" in s.log("comments"), 20,
                   "svc-comments noticing svc-mail's place past its events")
        r = s.browser().submit(talk, talk, {"name": "Vic", "email": "vic@example.com",
                                            "body": "After the restore"})
        assert r.status == 303
        wait_until(lambda: any("After the restore" in t for t in mailed_texts(s)), 20,
                   "the speaker's moderation mail about a comment made after the restore")
    finally:
        s.stop_all()


def search_total(stack, words):
    r = stack.request("GET", "/api/1.0/search?q=" + words)
    assert r.status == 200, r.body
    return json.loads(r.body)["total"]


def test_an_auth_db_restored_alone_from_an_older_backup_still_gets_new_names_searched(tmp_path):
    """svc-talks has copied names numbered past the older auth.db's last: it copies every name
    again, so a rename after the restore reaches search."""
    s = Stack(tmp_path / "stack")
    s.start_all()
    try:
        ann = speaker(s, "ann")
        publish(ann)
        assert backup(s, tmp_path / "backups").returncode == 0
        (name,) = backups_in(tmp_path / "backups")
        for new_name in ("Ann Lovelace", "Ann Hopper"):
            assert ann.submit("/profile", "/profile", {"name": new_name, "location": "",
                                                       "bio": ""}).status == 303
        wait_until(lambda: search_total(s, "hopper") == 1, 20, "search finding the renamed speaker")
        restore_alone(s, tmp_path / "backups" / name, "auth.db")
        ann = s.browser()
        assert ann.login("ann@example.com").status == 303
        assert ann.submit("/profile", "/profile", {"name": "Ann Restored", "location": "",
                                                   "bio": ""}).status == 303
        wait_until(lambda: search_total(s, "restored") == 1, 20,
                   "search finding the name given after the restore")
        assert search_total(s, "hopper") == 0
    finally:
        s.stop_all()
