"""talksctl import-flask DB (SPEC §3): the original Flask app's SQLite file, made here with
Python's sqlite3 and Werkzeug's password hash format, is added to a running stack — its users
log in with their old passwords (the old hash is then Argon2id), its talks and comments show,
running it twice adds nothing, and a file that is not such a database changes nothing."""
import hashlib
import json
import os
import sqlite3


SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(64), username VARCHAR(64),
  is_admin BOOLEAN, password_hash VARCHAR(128), name VARCHAR(64), location VARCHAR(64), bio TEXT,
  avatar_hash VARCHAR(32), member_since DATETIME);
CREATE TABLE talks (id INTEGER PRIMARY KEY, title VARCHAR(128), description TEXT,
  slides TEXT, video TEXT, user_id INTEGER REFERENCES users(id), venue VARCHAR(128),
  venue_url VARCHAR(128), date DATE);
CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT, body_html TEXT, timestamp DATETIME,
  author_id INTEGER REFERENCES users(id), author_name VARCHAR(64), author_email VARCHAR(64),
  notify BOOLEAN, approved BOOLEAN, talk_id INTEGER REFERENCES talks(id));
CREATE TABLE pending_emails (id INTEGER PRIMARY KEY, name VARCHAR(64), email VARCHAR(64),
  subject VARCHAR(128), body_text TEXT, body_html TEXT, talk_id INTEGER, timestamp DATETIME);
"""


def werkzeug_hash(password, method="sha1", iterations=1000, salt="Xy12abCD"):
    """generate_password_hash's format: pbkdf2:<method>:<iterations>$<salt>$<hex>."""
    digest = hashlib.pbkdf2_hmac(method, password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2:{method}:{iterations}${salt}${digest}"


def flask_db(path, change=None):
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?)", [
        (3, "old@example.com", "oldie", 1, werkzeug_hash("old secret"), "Old Timer", "Porto",
         "Was here first.", "abc", "2015-03-04 05:06:07.123456"),
        # Werkzeug's sha256 form with its own count: 50 000 rounds, not its default 260 000
        # (tests/unit/svc-auth/werkzeug.c checks that one), whose check under the sanitizers on a
        # loaded machine passed the gateway's 1.5 s bus timeout and the login answered 503.
        (5, "new@example.com", "newer", 0, werkzeug_hash("sha256 secret", "sha256", 50000),
         None, None, None, None, "2016-01-02 03:04:05"),
    ])
    db.executemany("INSERT INTO talks VALUES (?,?,?,?,?,?,?,?,?)", [
        (4, "Flask days", "How it was.", "", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", 3,
         "PyCon", "https://pycon.org/", "2015-05-06"),
        (9, "Second talk", None, None, None, 5, "EuroPython", None, "2016-07-08"),
    ])
    db.executemany("INSERT INTO comments VALUES (?,?,?,?,?,?,?,?,?,?)", [
        (1, "Loved it, **really**", "<script>alert(1)</script>", "2015-05-07 10:00:00.5", None,
         "Vic Visitor", "vic@example.com", 1, 1, 4),
        (2, "Still waiting", "<p>x</p>", "2015-05-08 10:00:00", None, "Wes", "wes@example.com",
         0, 0, 4),
        (3, "Thanks all", "", "2015-05-09 10:00:00", 3, None, None, 0, 1, 4),
    ])
    db.executemany("INSERT INTO pending_emails(name, email, talk_id) VALUES (?,?,?)",
                   [("a", "a@example.com", 4), ("b", "b@example.com", 4)])
    if change:
        db.executescript(change)
    db.commit()
    db.close()
    return str(path)


def stored_hash(stack, email):
    db = sqlite3.connect(f"file:{os.path.join(stack.real_data_dir, 'auth.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT password_hash FROM users WHERE email = ?", (email,)).fetchone()[0]
    finally:
        db.close()


def site(stack):
    r = stack.talksctl("export", "-")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    return {k: v for k, v in doc.items() if k != "exported_at"}


def test_a_flask_site_is_added_with_its_ids_passwords_and_comments(stack, tmp_path):
    stack.adduser("here@example.com", "here")  # user 1: the Flask users' ids 3 and 5 are free
    path = flask_db(tmp_path / "talks.sqlite")
    r = stack.talksctl("import-flask", path)
    assert r.returncode == 0, r.stderr
    assert "users: 2 added (0 with a new id" in r.stdout
    assert "talks: 2 added" in r.stdout and "comments: 3 added" in r.stdout
    assert "subscriptions: 1 added" in r.stdout and "pending emails: 2 dropped" in r.stdout

    page = stack.request("GET", "/talk/4").body
    assert "Flask days" in page and "youtube-nocookie.com/embed/dQw4w9WgXcQ" in page
    assert "Loved it, <strong>really</strong>" in page and "<script>alert(1)" not in page
    assert "Thanks all" in page and "Still waiting" not in page
    assert "Old Timer" in stack.request("GET", "/user/oldie").body

    # The old password works, and the hash is then Argon2id; it keeps working.
    assert stored_hash(stack, "old@example.com").startswith("pbkdf2:sha1:1000$")
    b = stack.browser()
    assert b.login("old@example.com", "wrong password").status != 303
    assert stored_hash(stack, "old@example.com").startswith("pbkdf2:")
    assert stack.browser().login("old@example.com", "old secret").status == 303
    assert stored_hash(stack, "old@example.com").startswith("$argon2id$")
    assert stack.browser().login("old@example.com", "old secret").status == 303
    assert stack.browser().login("new@example.com", "sha256 secret").status == 303
    # The speaker sees the comment still waiting for them.
    old = stack.browser()
    old.login("old@example.com", "old secret")
    assert "Still waiting" in old.get("/talk/4").body

    before = site(stack)
    r = stack.talksctl("import-flask", path)
    assert r.returncode == 0, r.stderr
    assert "users: 0 added" in r.stdout and "skipped" in r.stdout
    assert site(stack) == before


def test_a_taken_id_gets_a_new_one(stack, tmp_path):
    for i in range(4):
        stack.adduser(f"u{i}@example.com", f"u{i}")  # ids 1 to 4
    r = stack.talksctl("import-flask", flask_db(tmp_path / "talks.sqlite"))
    assert r.returncode == 0, r.stderr
    # User 3 of the file gets the next free id, 5, and so user 5 gets 6.
    assert "users: 2 added (2 with a new id" in r.stdout
    page = stack.request("GET", "/talk/4").body
    assert "Old Timer" in page  # the talk follows its speaker to the new id


BAD = {
    "not a database": None,
    "no comments table": "DROP TABLE comments;",
    "a text id": "UPDATE talks SET user_id = 'three' WHERE id = 4;",
    "a bad date": "UPDATE talks SET date = 'yesterday' WHERE id = 4;",
    "a bad timestamp": "UPDATE comments SET timestamp = 'soon' WHERE id = 1;",
    "a hash of another kind": "UPDATE users SET password_hash = 'md5$x$y' WHERE id = 3;",
    "a comment on no talk": "UPDATE comments SET talk_id = 77 WHERE id = 2;",
    "a talk by nobody": "UPDATE talks SET user_id = 77 WHERE id = 9;",
    "a boolean that is not": "UPDATE comments SET approved = 7 WHERE id = 1;",
}


def test_a_file_that_is_not_a_flask_database_changes_nothing(stack, tmp_path):
    empty = site(stack)
    for i, (what, change) in enumerate(BAD.items()):
        path = tmp_path / f"bad{i}.sqlite"
        if change is None:
            path.write_text("just some text\n" * 100)
        else:
            flask_db(path, change)
        r = stack.talksctl("import-flask", str(path))
        assert r.returncode == 1, (what, r.stdout)
        assert r.stdout == "" and r.stderr.count("\n") == 1, (what, r.stderr)
        assert "is refused, nothing was changed" in r.stderr, (what, r.stderr)
        assert site(stack) == empty, what
    r = stack.talksctl("import-flask", str(tmp_path / "missing.sqlite"))
    assert r.returncode == 1 and "is refused" in r.stderr
