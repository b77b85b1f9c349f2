"""Publishing talks: the forms, who may edit, the timeline, speaker pages, talk pages with safe
embeds, feeds, the JSON API and talksctl seed (SPEC §3, §4, §5)."""
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from stack import TALK, Stack, flashes, publish, speaker

def test_new_talk_needs_login(stack):
    r = stack.browser().get("/new")
    assert r.status == 302 and r.getheader("Location").startswith("/auth/login?next=")


def test_speaker_publishes_a_talk_and_sees_it_everywhere(stack):
    b = speaker(stack)
    url = publish(b)
    assert re.fullmatch(r"/talk/\d+", url)
    page = b.get(url)
    assert flashes(page.body) == ["The talk was added successfully."]
    assert "Fearless C" in page.body and "Line one\nLine two" in page.body
    assert 'href="https://fosdem.org/"' in page.body and 'datetime="2024-02-03"' in page.body
    assert 'href="/user/ann"' in page.body
    assert "Fearless C" in stack.request("GET", "/").body
    assert "Fearless C" in stack.request("GET", "/user/ann").body


def test_invalid_talk_is_shown_again_with_messages(stack):
    b = speaker(stack)
    r = b.submit("/new", "/new", dict(TALK, title="", venue_url="javascript:alert(1)", date="2024-02-30",
                                      description="kept text"))
    assert r.status == 400
    assert "Title is required." in r.body
    assert "Enter an http:// or https:// address." in r.body
    assert "real date" in r.body
    assert "kept text" in r.body and 'value="javascript:alert(1)"' in r.body
    assert "Fearless" not in stack.request("GET", "/").body


def test_field_limits(stack):
    b = speaker(stack)
    for field, value in (("title", "t" * 129), ("venue", "v" * 129), ("description", "d" * 5001),
                         ("venue_url", "https://x.test/" + "a" * 120), ("date", "03/02/2024"),
                         ("venue_url", "data:text/html,x"), ("title", "bad\x00null")):
        r = b.submit("/new", "/new", dict(TALK, **{field: value}))
        assert r.status == 400, field
    assert publish(b, title="t" * 128, date="2024-02-29")


def test_only_the_author_or_an_admin_can_edit(stack):
    ann = speaker(stack, "ann")
    url = publish(ann)
    talk_id = url.rsplit("/", 1)[1]
    bob = speaker(stack, "bob")
    assert bob.get(f"/edit/{talk_id}").status == 403
    r = bob.submit(f"/talk/{talk_id}", f"/edit/{talk_id}", dict(TALK, title="Hijacked"))
    assert r.status == 403
    assert "Hijacked" not in stack.request("GET", url).body
    # The author edits; the form starts with the stored values.
    form = ann.get(f"/edit/{talk_id}").body
    assert 'value="Fearless C"' in form and 'value="FOSDEM"' in form
    r = ann.submit(f"/edit/{talk_id}", f"/edit/{talk_id}", dict(TALK, title="Fearless C, revised"))
    assert r.status == 303 and r.getheader("Location") == url
    assert flashes(ann.get(url).body) == ["The talk was updated successfully."]
    # An admin may edit anyone's talk.
    root = speaker(stack, "root", admin=True)
    r = root.submit(f"/edit/{talk_id}", f"/edit/{talk_id}", dict(TALK, title="Edited by admin"))
    assert r.status == 303
    assert "Edited by admin" in stack.request("GET", url).body


def test_edit_of_an_unknown_talk_is_404(stack):
    b = speaker(stack)
    for path in ("/edit/999", "/edit/abc", "/edit/99999999999999999999"):
        assert b.get(path).status == 404


def test_talk_page_404s(stack):
    for path in ("/talk/1", "/talk/0", "/talk/-1", "/talk/abc", "/talk/99999999999999999999999"):
        r = stack.request("GET", path)
        assert r.status == 404 and "Page not found" in r.body, path


def test_youtube_url_becomes_a_privacy_friendly_sandboxed_iframe(stack):
    b = speaker(stack)
    url = publish(b, video="https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42")
    page = stack.request("GET", url)
    frames = re.findall(r"<iframe[^>]*>", page.body)
    assert len(frames) == 1
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42"' in frames[0]
    assert "sandbox=" in frames[0] and 'loading="lazy"' in frames[0]
    assert "https://www.youtube-nocookie.com" in page.getheader("Content-Security-Policy")


def test_pasted_embed_code_is_never_output_as_html(stack):
    b = speaker(stack)
    code = ('<iframe src="https://player.vimeo.com/video/76979871" onload="alert(1)" '
            'width="640"></iframe><script>alert(2)</script>')
    url = publish(b, video=code)
    body = stack.request("GET", url).body
    assert 'src="https://player.vimeo.com/video/76979871' in body
    assert "alert(" not in body and "onload" not in body


def test_unknown_sites_become_plain_links(stack):
    b = speaker(stack)
    url = publish(b, slides="https://example.com/my-slides")
    body = stack.request("GET", url).body
    assert "<iframe" not in body
    assert 'href="https://example.com/my-slides"' in body


def test_hostile_media_input_is_refused_with_a_message(stack):
    b = speaker(stack)
    for value in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
                  "<script>alert(1)</script>", "https://x.test/' onmouseover='alert(1)"):
        r = b.submit("/new", "/new", dict(TALK, slides=value))
        assert r.status == 400, value
        assert "<script>alert(1)</script>" not in r.body


def test_hostile_text_is_escaped_on_every_page_feed_and_api(stack):
    b = speaker(stack)
    evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(1)>'
    url = publish(b, title=evil[:120], venue=evil[:120], description=evil)
    for path in (url, "/", "/user/ann", "/feed.atom", "/user/ann/feed.atom"):
        body = stack.request("GET", path).body
        assert "<script>alert(1)" not in body and "<img src=x" not in body, path
    api = json.loads(stack.request("GET", "/api/1.0/talks").body)
    assert api["talks"][0]["title"] == evil[:120]


def test_timeline_is_newest_first_and_paginated(stack, tmp_path):
    stack.stop_all()
    from stack import Stack
    s = Stack(tmp_path / "paged", extra_env={"TALKS_PER_PAGE": "2"})
    (tmp_path / "paged").mkdir()
    s.start_all()
    try:
        b = speaker(s)
        for i, date in enumerate(("2020-01-01", "2023-01-01", "2021-06-15", "2022-03-03", "2019-09-09")):
            publish(b, title=f"Talk {date}", date=date)
        first = s.request("GET", "/").body
        titles = re.findall(r"Talk (\d{4}-\d\d-\d\d)", first)
        assert titles[:2] == ["2023-01-01", "2022-03-03"]
        assert 'href="/?page=2"' in first
        third = s.request("GET", "/?page=3").body
        assert re.findall(r"Talk (\d{4}-\d\d-\d\d)", third)[:1] == ["2019-09-09"]
        for bad in ("abc", "-1", "0", "999999", "99999999999999999999", "1e3"):
            r = s.request("GET", f"/?page={bad}")
            assert r.status == 200, bad
        assert "2019-09-09" in s.request("GET", "/?page=999999").body  # clamped to the last page
        assert "2023-01-01" in s.request("GET", "/?page=abc").body      # bad: the first page
        user = s.request("GET", "/user/ann?page=2").body
        assert re.findall(r"Talk (\d{4}-\d\d-\d\d)", user)[:1] == ["2021-06-15"]
        api = json.loads(s.request("GET", "/api/1.0/talks?page=2").body)
        assert [t["date"] for t in api["talks"]] == ["2021-06-15", "2020-01-01"]
        assert api["prev"] == "/api/1.0/talks?page=1" and api["next"] == "/api/1.0/talks?page=3"
        assert api["total"] == 5 and api["pages"] == 3
    finally:
        s.stop_all()


def test_api_talk_and_json_errors(stack):
    b = speaker(stack)
    url = publish(b, video="https://youtu.be/dQw4w9WgXcQ")
    talk_id = int(url.rsplit("/", 1)[1])
    r = stack.request("GET", f"/api/1.0/talks/{talk_id}")
    assert r.status == 200 and r.getheader("Content-Type") == "application/json"
    talk = json.loads(r.body)["talk"]
    assert talk["id"] == talk_id and talk["title"] == "Fearless C"
    assert talk["author"]["username"] == "ann"
    assert talk["video"]["embed_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    for path, status in (("/api/1.0/talks/999", 404), ("/api/1.0/talks/abc", 404), ("/api/1.0/nope", 404)):
        r = stack.request("GET", path)
        assert r.status == status and r.getheader("Content-Type") == "application/json"
        assert json.loads(r.body)["status"] == "not found"
    r = stack.request("DELETE", "/api/1.0/talks")
    assert r.status == 405 and json.loads(r.body)["status"] == "method not allowed"


def test_atom_feeds_are_valid_and_list_talks(stack):
    b = speaker(stack)
    url = publish(b)
    r = stack.request("GET", "/feed.atom")
    assert r.status == 200 and r.getheader("Content-Type").startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(r.body.encode())
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text == "Fearless C"
    assert entries[0].find("a:link", ns).get("href") == f"http://127.0.0.1:{stack.port}{url}"
    user_feed = ET.fromstring(stack.request("GET", "/user/ann/feed.atom").body.encode())
    assert len(user_feed.findall("a:entry", ns)) == 1
    assert stack.request("GET", "/user/nobody/feed.atom").status == 404
    assert 'type="application/atom+xml"' in stack.request("GET", "/").body


def test_talk_page_has_open_graph_tags(stack):
    b = speaker(stack)
    url = publish(b)
    body = stack.request("GET", url).body
    assert '<meta property="og:title" content="Fearless C">' in body
    assert f'content="http://127.0.0.1:{stack.port}{url}"' in body
    assert 'name="twitter:card"' in body


def test_talks_service_down_gives_503_and_the_rest_works(stack):
    import time
    b = speaker(stack)
    publish(b)
    stack.stop("talks")
    start = time.monotonic()
    assert stack.request("GET", "/").status == 503
    assert time.monotonic() - start < 2
    assert b.get("/profile").status == 200
    stack.start("talks")
    from stack import wait_until
    wait_until(lambda: stack.request("GET", "/").status == 200, 10, "svc-talks to rejoin")
    assert "Fearless C" in stack.request("GET", "/").body


def test_seed_is_deterministic_and_idempotent(stack):
    r = stack.talksctl("seed", "--users", "3", "--talks", "7", "--comments", "4")
    assert r.returncode == 0, r.stderr
    first = json.loads(stack.request("GET", "/api/1.0/talks").body)
    assert first["total"] == 7
    talk_id = first["talks"][0]["id"]
    comments = json.loads(stack.request("GET", f"/api/1.0/talks/{talk_id}/comments").body)
    assert comments["total"] == 2  # half of the four are published, half wait for moderation
    r = stack.talksctl("seed", "--users", "3", "--talks", "7", "--comments", "4")
    assert r.returncode == 0, r.stderr
    assert json.loads(stack.request("GET", f"/api/1.0/talks/{talk_id}/comments").body) == comments
    again = json.loads(stack.request("GET", "/api/1.0/talks").body)
    assert again == first
    assert stack.browser().login("speaker1@example.com", "talks-demo").status == 303
    assert stack.talksctl("seed", "--talks", "x").returncode == 1


def test_seed_makes_the_same_data_in_another_stack(stack, tmp_path):
    from stack import Stack
    stack.talksctl("seed", "--users", "2", "--talks", "4")
    mine = [(t["title"], t["date"], t["venue"]) for t in
            json.loads(stack.request("GET", "/api/1.0/talks").body)["talks"]]
    (tmp_path / "other").mkdir()
    other = Stack(tmp_path / "other")
    other.start_all()
    try:
        other.talksctl("seed", "--users", "2", "--talks", "4")
        theirs = [(t["title"], t["date"], t["venue"]) for t in
                  json.loads(other.request("GET", "/api/1.0/talks").body)["talks"]]
    finally:
        other.stop_all()
    assert mine == theirs and len(mine) == 4


def seeded_site(stack):
    """The site's rows as talksctl export writes them, without what a seed does not fix: the
    times rows were made and the password hashes' salts."""
    r = stack.talksctl("export", "-")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    drop = ("created_at", "updated_at", "password_hash")
    return {table: [{k: v for k, v in row.items() if k not in drop} for row in doc[table]]
            for table in ("users", "talks", "comments", "subscriptions")}


def test_bulk_seed_makes_the_site_that_one_request_a_row_makes(stack, tmp_path):
    """--bulk sends pages of rows through the import ops: the same speakers, talks and comments
    (ids, texts, authors, what waits for moderation) as one request a row, nothing more when run
    again, and speakers who log in with the seed password."""
    args = ["seed", "--users", "3", "--talks", "7", "--comments", "4"]
    assert stack.talksctl(*args).returncode == 0
    (tmp_path / "bulk").mkdir()
    bulk = Stack(tmp_path / "bulk")
    bulk.start_all()
    try:
        for _ in range(2):
            r = bulk.talksctl(*args, "--bulk")
            assert r.returncode == 0, r.stderr
            assert r.stdout == "Seeded 3 speakers (password \"talks-demo\"), 7 talks and 4 comments " \
                "per talk.\n"
        mine, theirs = seeded_site(stack), seeded_site(bulk)
        assert theirs == mine and len(theirs["comments"]) == 28
        page = bulk.request("GET", "/talk/7").body
        assert len(re.findall(r'id="comment-\d+"', page)) == 2  # the speakers' two
        assert bulk.browser().login("speaker3@example.com", "talks-demo").status == 303
    finally:
        bulk.stop_all()


def test_talks_show_without_authors_while_auth_is_down(stack):
    b = speaker(stack)
    url = publish(b)
    stack.stop("auth")
    for path in ("/", url, "/api/1.0/talks"):
        r = stack.request("GET", path)
        assert r.status == 200 and "Fearless C" in r.body, path
        assert 'href="/user/ann"' not in r.body


@pytest.fixture
def paged(tmp_path):
    """A stack with one talk and one comment a page: ann (an admin) has two talks, the newer with
    two published comments and two visitors' comments waiting. Yields (stack, ann's browser,
    {route: what its first page holds}); every process must still exit cleanly, with no
    sanitizer report, at the end."""
    from test_comments import VISITOR, comment
    s = Stack(tmp_path, {"TALKS_PER_PAGE": "1", "COMMENTS_PER_PAGE": "1"})
    s.start_all()
    try:
        ann = speaker(s, "ann", admin=True)
        publish(ann, title="Talk 2023", date="2023-01-01")
        talk = publish(ann, title="Talk 2024", date="2024-01-01")
        for body in ("first note", "second note"):
            assert comment(ann, talk, body=body).status == 303
        for body in ("pending one", "pending two"):
            assert comment(s.browser(), talk, **dict(VISITOR, body=body)).status == 303
        talk_id = talk.rsplit("/", 1)[1]
        first = {"/": "Talk 2024", "/user/ann": "Talk 2024", talk: "first note",
                 "/moderate": "pending one", "/moderate-admin": "pending one",
                 "/api/1.0/talks": '"page": 1', f"/api/1.0/talks/{talk_id}/comments": '"page": 1',
                 "/feed.atom": "Talk 2024", "/user/ann/feed.atom": "Talk 2024"}
        second = {"/": "Talk 2023", "/user/ann": "Talk 2023", talk: "second note",
                  "/moderate": "pending two", "/moderate-admin": "pending two",
                  "/api/1.0/talks": '"page": 2', f"/api/1.0/talks/{talk_id}/comments": '"page": 2'}
        for path, want in second.items():  # the routes are really paged
            body = ann.get(path + "?page=2").body if path.startswith("/moderate") else \
                s.request("GET", path + "?page=2").body
            assert want in body.replace('"page":2', '"page": 2'), path
        yield s, ann, first
    finally:
        codes = s.stop_all()
        for name, code in codes.items():
            assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"
            assert "Sanitizer" not in s.log(name), s.log(name)[-3000:]


def get_page(stack, ann, path, value):
    """path?page=value, as ann for the moderation pages and as a visitor otherwise."""
    url = f"{path}?page={value}"
    r = ann.get(url) if path.startswith("/moderate") else stack.request("GET", url)
    r.body = r.body.replace('"page":1', '"page": 1')
    return r


def test_a_page_number_that_cannot_be_decoded_is_the_first_page(paged):
    """Issue "Second hardening round" #9: ?page=%00 was a 400; SPEC: a bad page is the first
    page, never an error."""
    stack, ann, first = paged
    for value in ("%00", "%zz", "%", "%ff", "%C0%AF", "1%002", "%00&page=2"):
        for path, want in first.items():
            r = get_page(stack, ann, path, value)
            assert r.status == 200, (path, value, r.status)
            assert want in r.body, (path, value)
    # A NUL anywhere else in a query is still a bad request.
    assert stack.request("GET", "/?page=1&x=%00").status == 400
    assert stack.request("GET", "/api/1.0/talks?x=%zz").status == 400


def test_hostile_page_numbers_on_every_paged_route_keep_every_process_up(paged):
    """Issue "Second hardening round" #12: page arithmetic on the largest and smallest 64-bit
    numbers must not overflow (the sanitizer build aborts on a signed overflow; the fixture
    checks every process exits cleanly with no sanitizer report)."""
    stack, ann, first = paged
    below = ("-9223372036854775808", "-9223372036854775809", "-1", "0", "abc", "1e99",
             "0x7fffffffffffffff", "+1", "%201", "1.5")
    above = ("9223372036854775807", "9223372036854775808", "18446744073709551616",
             "99999999999999999999999", "2147483648", "2147483647", "999999")
    for path, want in first.items():
        last = None
        if path.startswith("/api/"):
            last = json.loads(get_page(stack, ann, path, "999999").body)["page"]
            assert last > 1, path  # the fixture has more than one page
        for value in below + above:
            r = get_page(stack, ann, path, value)
            assert r.status == 200, (path, value, r.status)
            if last is not None:  # out of range above is the last page, below the first
                assert json.loads(r.body)["page"] == (last if value in above else 1), (path, value)
            if value in below:
                assert want in r.body, (path, value)
    assert stack.healthy()
