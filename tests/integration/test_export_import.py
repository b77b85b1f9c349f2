"""talksctl export and import (SPEC §3, docs/export-format.md): the whole site as one JSON
document; imported into an empty data folder it gives the same pages and the same logins; a file
the import does not understand, or a site that is not empty, is refused with one line and
nothing changes."""
import json
import re

import pytest

from stack import Stack, publish, speaker, wait_until

SEED_PASSWORD = "talks-demo"


@pytest.fixture
def stacks(tmp_path):
    """Two stacks of their own (the page cache off, so a page shows what the services hold)."""
    made = []

    def make(name):
        s = Stack(tmp_path / name, {"TALKS_PAGE_CACHE_MS": "0"})
        made.append(s)
        s.start_all()
        return s
    yield make
    for s in made:
        s.assert_clean_exits(s.stop_all())


def one_line(r):
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1 and r.stderr.startswith("talksctl: "), r.stderr
    return r.stderr


def export(stack):
    r = stack.talksctl("export", "-")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def rows(doc):
    return {k: v for k, v in doc.items() if k not in ("exported_at",)}


def populated(stack):
    """Seeded speakers, talks (embedded video and slides) and comments, a visitor's comment
    published (so svc-mail subscribes them) and one waiting, an admin with a profile."""
    r = stack.talksctl("seed", "--users", "3", "--talks", "7", "--comments", "3")
    assert r.returncode == 0, r.stderr
    ann = speaker(stack, "ann", admin=True)
    r = ann.submit("/profile", "/profile", {"name": "Ann Ädmin", "location": "Lisbon",
                                            "bio": "Line one\nLine <two> & three"})
    assert r.status == 303
    talk = publish(ann, title="Ann's <talk>", video="https://vimeo.com/76979871")
    visitor = stack.browser()
    for body in ["Please **publish** me", "Waiting _here_"]:
        r = visitor.submit(talk, talk, {"name": "Vic", "email": "vic@example.com", "body": body,
                                        "notify": "y"})
        assert r.status == 303
    first = min(int(i) for i in re.findall(r'id="comment-(\d+)"', ann.get(talk).body))
    r = ann.request("PUT", f"/api/1.0/comments/{first}", headers={"X-CSRF-Token": ann.csrf(talk)})
    assert r.status == 200, r.body
    wait_until(lambda: export(stack)["subscriptions"], 10, "svc-mail to subscribe the visitor")
    return talk


def normalised(stack, html):
    """A page without what differs per request and per stack: CSRF tokens, form keys, the
    stack's own address (TALKS_PUBLIC_URL), where its live stream starts (a change number of
    the stack's own, which an import does not copy)."""
    html = html.replace(f"http://127.0.0.1:{stack.port}", "http://site")
    html = re.sub(r'(name="(csrf_token|form_key)" value=")[^"]*', r"\1", html)
    html = re.sub(r'( data-live-after=")[^"]*', r"\1", html)
    return re.sub(r'(<meta name="csrf-token" content=")[^"]*', r"\1", html)


def pages(stack, doc):
    paths = ["/", "/?page=2"] + [f"/user/{u['username']}" for u in doc["users"]] + \
        [f"/talk/{t['id']}" for t in doc["talks"]]
    got = {}
    for path in paths:
        r = stack.request("GET", path)
        assert r.status == 200, path
        got[path] = normalised(stack, r.body)
    return got


def test_export_then_import_gives_the_same_site(stacks, tmp_path):
    a = stacks("a")
    populated(a)
    path = tmp_path / "site.json"
    r = a.talksctl("export", str(path))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    doc = json.loads(path.read_text())
    assert doc["format"] == "talks-export" and doc["version"] == 1
    assert len(doc["users"]) == 4 and len(doc["talks"]) == 8 and len(doc["comments"]) == 23
    assert all(u["password_hash"].startswith("$argon2id$") for u in doc["users"])
    assert any(not c["approved"] for c in doc["comments"]) and doc["subscriptions"]
    assert "body_html" not in doc["comments"][0]

    b = stacks("b")
    r = b.talksctl("import", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Imported 4 users, 8 talks, 23 comments and 1 subscriptions.\n"
    assert rows(export(b)) == rows(doc)
    assert pages(b, doc) == pages(a, doc)
    # The same passwords log in, and the speaker still sees what waits for them.
    ann = b.browser()
    assert ann.login("ann@example.com").status == 303
    assert "Waiting <em>here</em>" in ann.get(f"/talk/{doc['talks'][-1]['id']}").body
    assert b.browser().login("speaker1@example.com", SEED_PASSWORD).status == 303
    assert b.browser().login("ann@example.com", "not the password").status != 303


def test_import_reads_standard_input(stacks):
    a = stacks("a")
    speaker(a, "ann")
    r = a.talksctl("export", "-")
    b = stacks("b")
    r = b.talksctl("import", "-", stdin=r.stdout)
    assert r.returncode == 0, r.stderr
    assert b.browser().login("ann@example.com").status == 303


def test_import_refuses_a_site_that_is_not_empty(stacks):
    a = stacks("a")
    speaker(a, "ann")
    doc = a.talksctl("export", "-").stdout
    b = stacks("b")
    b.adduser("bob@example.com", "bob")
    before = export(b)
    assert "already has users" in one_line(b.talksctl("import", "-", stdin=doc))
    assert rows(export(b)) == rows(before)


def good_doc():
    return {
        "format": "talks-export", "version": 1, "exported_at": "2024-01-01T00:00:00Z",
        "users": [{"id": 7, "email": "ann@example.com", "username": "ann", "is_admin": False,
                   "password_hash": "pbkdf2:sha256:260000$abcdefgh$" + "0" * 64, "name": "Ann",
                   "location": "", "bio": "", "created_at": 1700000000}],
        "talks": [{"id": 3, "author_id": 7, "title": "T", "description": "", "venue": "V",
                   "venue_url": "", "date": "2024-02-03", "slides": "", "video": "",
                   "created_at": 1700000000, "updated_at": 1700000000}],
        "comments": [{"id": 5, "talk_id": 3, "talk_author_id": 7, "author_id": 0,
                      "author_name": "Vic", "author_email": "vic@example.com", "notify": True,
                      "approved": True, "body": "Hi", "created_at": 1700000000}],
        "subscriptions": [{"id": 2, "talk_id": 3, "email": "vic@example.com", "name": "Vic",
                           "active": True}],
    }


def changed(change):
    doc = good_doc()
    change(doc)
    return json.dumps(doc)


BAD_FILES = {
    "not JSON": "{\"format\": ",
    "not an export": json.dumps({"hello": 1}),
    "another version": changed(lambda d: d.update(version=2)),
    "a field at the top it does not know": changed(lambda d: d.update(extra=[])),
    "a row field it does not know": changed(lambda d: d["users"][0].update(role="admin")),
    "a bad email": changed(lambda d: d["users"][0].update(email="not an email")),
    "a password hash it cannot verify": changed(lambda d: d["users"][0].update(password_hash="md5$x")),
    "a bad date": changed(lambda d: d["talks"][0].update(date="2024-02-30")),
    "a video that is no address": changed(lambda d: d["talks"][0].update(video="javascript:alert(1)")),
    "a talk by nobody": changed(lambda d: d["talks"][0].update(author_id=8)),
    "a comment on no talk": changed(lambda d: d["comments"][0].update(talk_id=4)),
    "a wrong type": changed(lambda d: d["comments"][0].update(approved="yes")),
    "two users with one id": changed(lambda d: d["users"].append(dict(d["users"][0], email="b@example.com", username="b"))),
    "a subscription without an address": changed(lambda d: d["subscriptions"][0].update(email="")),
    "a comment too long": changed(lambda d: d["comments"][0].update(body="x" * 10001)),
}


def test_a_file_it_does_not_understand_is_refused_and_changes_nothing(stacks, tmp_path):
    b = stacks("b")
    empty = rows(export(b))
    for what, text in BAD_FILES.items():
        r = b.talksctl("import", "-", stdin=text)
        assert r.returncode == 1, what
        assert "is refused, nothing was changed" in one_line(r), what
        assert rows(export(b)) == empty, what
    # Still empty: the good file goes in whole.
    r = b.talksctl("import", "-", stdin=json.dumps(good_doc()))
    assert r.returncode == 0, r.stderr
    assert rows(export(b)) == rows(good_doc())
    assert "Vic" in b.request("GET", "/talk/3").body


def test_an_export_pages_through_a_site_larger_than_one_bus_message(stacks):
    doc = good_doc()
    doc["users"][0]["bio"] = "é" * 2000
    doc["talks"] = [dict(doc["talks"][0], id=i, description="ü" * 5000) for i in range(1, 301)]
    doc["comments"] = doc["subscriptions"] = []
    b = stacks("b")
    r = b.talksctl("import", "-", stdin=json.dumps(doc))  # about 3 MB: several pages
    assert r.returncode == 0, r.stderr
    assert rows(export(b)) == rows(doc)
