"""The gateway's page cache: visitors without a session are served the timeline, speaker pages
and talk pages from memory, each with their own CSRF token, and never see a page older than a
change made on the site."""
import os
import re
import sqlite3
import time

import pytest

from stack import Stack, publish, speaker, wait_until
from test_comments import VISITOR, api_token, api, comment, comment_ids, form_key_of, stored_bodies


def calls(stack, service, op):
    return stack.log(service).count(f"op={op} ")


def token_of(page_html):
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page_html).group(1)


@pytest.fixture
def stack_without_expiry(tmp_path):
    """A stack whose cached pages never expire: only changes can remove them."""
    s = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "3600000"})
    s.start_all()
    yield s
    assert all(code == 0 for code in s.stop_all().values())


def test_repeated_visits_do_not_reach_the_services(stack_without_expiry):
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    talk = publish(ann)
    for path in ("/", "/user/ann", talk):
        stack.request("GET", path)
    before = (calls(stack, "talks", "talks.list"), calls(stack, "talks", "talks.get"),
              calls(stack, "comments", "comments.list"))
    for _ in range(20):
        for path in ("/", "/user/ann", talk):
            assert stack.request("GET", path).status == 200
    after = (calls(stack, "talks", "talks.list"), calls(stack, "talks", "talks.get"),
             calls(stack, "comments", "comments.list"))
    assert after == before


def test_each_visitor_gets_their_own_working_csrf_token(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    first, second = stack.browser(), stack.browser()
    page1, page2 = first.get(talk).body, second.get(talk).body
    assert token_of(page1) != token_of(page2)
    assert form_key_of(page1) != form_key_of(page2)
    assert (page1.replace(token_of(page1), "T").replace(form_key_of(page1), "K") ==
            page2.replace(token_of(page2), "T").replace(form_key_of(page2), "K"))
    assert page2.count(token_of(page2)) == 2  # the meta tag and the comment form
    # The token in the cached page is the one this visitor's form must send back.
    r = comment(second, talk, **VISITOR)
    assert r.status == 303, r.body
    # And a token from someone else's copy is refused.
    r = second.post(talk, dict(VISITOR, csrf_token=token_of(page1)))
    assert r.status == 400


def test_visitors_served_the_cached_talk_page_get_their_own_form_keys(stack_without_expiry):
    """Issue "Second hardening round" #11: the comment form's one-time key must not be baked
    into the one cached copy, or every visitor would post with the same key and only the first
    comment would be stored."""
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    talk = publish(ann)
    vic, bob = stack.browser(), stack.browser()
    pages = [vic.get(talk).body]  # renders the page and fills the cache
    asked = (calls(stack, "talks", "talks.get"), calls(stack, "comments", "comments.list"))
    pages += [bob.get(talk).body, bob.get(talk).body]  # from the cache
    assert (calls(stack, "talks", "talks.get"), calls(stack, "comments", "comments.list")) == asked
    keys = [form_key_of(p) for p in pages]
    assert len(set(keys)) == 3, keys
    for who, page, key in ((vic, pages[0], keys[0]), (bob, pages[1], keys[1]), (bob, pages[2], keys[2])):
        form = dict(VISITOR, csrf_token=token_of(page), form_key=key)
        assert who.post(talk, form).status == 303
        assert who.post(talk, form).status == 303  # sent twice: still one
    assert stored_bodies(stack, talk) == [VISITOR["body"]] * 3


def test_logged_in_pages_are_never_the_cached_ones(stack_without_expiry):
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    publish(ann)
    assert "New Talk" not in stack.request("GET", "/").body  # cached for visitors
    mine = ann.get("/").body
    assert "New Talk" in mine and 'href="/user/ann"' in mine
    assert "New Talk" not in stack.request("GET", "/").body


def test_an_approved_comment_shows_to_visitors_at_once(stack_without_expiry):
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    talk = publish(ann)
    assert comment_ids(stack.request("GET", talk).body) == []
    assert comment(stack.browser(), talk, **VISITOR).status == 303
    assert comment_ids(stack.request("GET", talk).body) == []  # pending: the page is the same
    token = api_token(stack)
    _, body = api(stack, "GET", f"/api/1.0/talks/{talk.rsplit('/', 1)[1]}/comments", token)
    r, _ = api(stack, "PUT", f"/api/1.0/comments/{body['comments'][0]['id']}", token)
    assert r.status == 200
    assert len(comment_ids(stack.request("GET", talk).body)) == 1
    assert '1<span class="visually-hidden"> comments</span>' in stack.request("GET", "/").body


def test_edits_to_talks_and_profiles_show_to_visitors_at_once(stack_without_expiry):
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    talk = publish(ann, title="First title")
    for path in ("/", "/user/ann", talk):
        assert "First title" in stack.request("GET", path).body
    r = ann.submit(f"/edit/{talk.rsplit('/', 1)[1]}", f"/edit/{talk.rsplit('/', 1)[1]}",
                   dict(title="Second title", description="d", slides="", video="", venue="V",
                        venue_url="", date="2024-02-03"))
    assert r.status == 303, r.body
    for path in ("/", "/user/ann", talk):
        body = stack.request("GET", path).body
        assert "Second title" in body and "First title" not in body
    r = ann.submit("/profile", "/profile", dict(name="Ann Renamed", location="", bio=""))
    assert r.status == 303, r.body
    for path in ("/", "/user/ann", talk):
        assert "Ann Renamed" in stack.request("GET", path).body


def test_pages_the_cache_misses_do_not_ask_svc_auth_again_for_their_speaker(stack_without_expiry):
    """Three talks of one speaker are three pages, each rendered once; the speaker is asked of
    svc-auth for the first only. A profile change made through the gateway shows on the next page
    at once."""
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    talks = [publish(ann, title=f"Talk {i}") for i in range(4)]
    before = calls(stack, "auth", "auth.users_get")
    for talk in talks[:3]:
        page = stack.request("GET", talk)
        assert page.status == 200 and "/user/ann" in page.body
    assert calls(stack, "auth", "auth.users_get") == before + 1
    r = ann.submit("/profile", "/profile", dict(name="Ann Renamed", location="", bio=""))
    assert r.status == 303, r.body
    assert "Ann Renamed" in stack.request("GET", talks[3]).body
    assert calls(stack, "auth", "auth.users_get") == before + 2


def test_a_page_asks_svc_auth_only_for_the_speakers_not_remembered(stack_without_expiry):
    """The timeline shows ann's and bob's talks; ann was shown a moment before, bob was not: svc-auth
    is asked for bob alone, and the page shows both. Names changed behind the gateway's back (in
    auth.db, as talksctl or another gateway would) show at once for bob, whom svc-auth is asked
    for, and for ann only once the remembered account expires (the page cache's rule)."""
    stack = stack_without_expiry
    ann, bob = speaker(stack, "ann"), speaker(stack, "bob")
    ann_talk = publish(ann, title="Talk by Ann")
    publish(bob, title="Talk by Bob")
    r = bob.submit("/profile", "/profile", dict(name="Bob", location="", bio=""))
    assert r.status == 303, r.body  # a change through the gateway: both caches forget all
    assert "/user/ann" in stack.request("GET", ann_talk).body  # ann is remembered now
    with sqlite3.connect(os.path.join(stack.real_data_dir, "auth.db"), timeout=10) as db:
        for username in ("ann", "bob"):
            db.execute("UPDATE users SET name = ? WHERE username = ?",
                       (f"{username.title()} Elsewhere", username))
    before = calls(stack, "auth", "auth.users_get")
    home = stack.request("GET", "/").body
    assert calls(stack, "auth", "auth.users_get") == before + 1
    assert "Talk by Ann" in home and "Talk by Bob" in home
    assert "Bob Elsewhere" in home
    assert "Ann Elsewhere" not in home and "/user/ann" in home


def test_speakers_outlive_the_cache_time_until_svc_auth_says_they_changed(tmp_path):
    """The gateway keeps the accounts its pages showed for as long as svc-auth's change numbers
    say they are unchanged (gateway/users_feed.h), not only for the page cache's lifetime (the
    default second): a talk page after more than that asks svc-auth for nobody. A new name given behind
    the gateway's back (in auth.db, as talksctl or another gateway would) still shows within
    about the lifetime. The waits are the lifetime passing, which is what is under test."""
    stack = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "1000"})
    stack.start_all()
    try:
        ann = speaker(stack, "ann")
        talks = [publish(ann, title=f"Talk {i}") for i in range(4)]
        # Learnt once the feed has answered (an account learnt before its first answer lives
        # the lifetime only): the second page learns ann for good.
        for talk in talks[:2]:
            time.sleep(1.2)
            assert "/user/ann" in stack.request("GET", talk).body
        time.sleep(1.2)
        before = calls(stack, "auth", "auth.users_get")
        assert "/user/ann" in stack.request("GET", talks[2]).body
        assert calls(stack, "auth", "auth.users_get") == before
        with sqlite3.connect(os.path.join(stack.real_data_dir, "auth.db"), timeout=10) as db:
            db.execute("UPDATE users SET name = 'Ann Elsewhere' WHERE username = 'ann'")
        wait_until(lambda: "Ann Elsewhere" in stack.request("GET", talks[3]).body, 3,
                   "the new name on a talk page")
    finally:
        assert all(code == 0 for code in stack.stop_all().values())


def test_talks_outlive_the_cache_time_until_svc_talks_says_they_changed(tmp_path):
    """The gateway keeps the talks its pages showed for as long as svc-talks' state number says
    no talk changed (gateway/talks_cache.h), not only for the page cache's lifetime: a talk page
    after more than that asks svc-talks for nothing. A talk changed
    behind the gateway's back (in talks.db, as talksctl or another gateway would) shows within
    about the lifetime. (A talk edited or deleted through the gateway shows so at once: the
    stacks of test_edits_to_talks_and_profiles_show_to_visitors_at_once and test_delete_talk
    keep talks for an hour.) The waits are the lifetime passing, which is what is under test."""
    stack = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "1000"})
    stack.start_all()
    try:
        ann = speaker(stack, "ann")
        talks = [publish(ann, title=f"Talk {i}") for i in range(2)]
        for talk in talks:
            assert "Talk" in stack.request("GET", talk).body
        time.sleep(1.2)
        before = calls(stack, "talks", "talks.get")
        for talk in talks:
            page = stack.request("GET", talk)
            assert page.status == 200 and "Talk" in page.body
        assert calls(stack, "talks", "talks.get") == before
        # A logged-in reader's timeline (never a cached page): its list is kept the same way.
        bob = speaker(stack, "bob")
        assert "Talk 1" in bob.get("/").body
        time.sleep(1.2)
        before = calls(stack, "talks", "talks.list")
        assert "Talk 1" in bob.get("/").body
        assert calls(stack, "talks", "talks.list") == before
        with sqlite3.connect(os.path.join(stack.real_data_dir, "talks.db"), timeout=10) as db:
            db.execute("UPDATE talks SET title = 'Changed elsewhere' WHERE id = ?",
                       (int(talks[0].rsplit("/", 1)[1]),))
        wait_until(lambda: "Changed elsewhere" in stack.request("GET", talks[0]).body, 3,
                   "the new title on the talk page")
        wait_until(lambda: "Changed elsewhere" in bob.get("/").body, 3,
                   "the new title on the reader's timeline")
    finally:
        assert all(code == 0 for code in stack.stop_all().values())


def test_a_speaker_page_asks_auth_and_the_renderer_once_not_once_a_view(stack_without_expiry):
    """Speaker pages the page cache cannot answer (a logged-in reader's, never cached) ask svc-auth
    for the speaker by name and svc-comments for the bio's rendering once, not once a view: the
    account is remembered as the users cache remembers speakers (gateway/users_cache.h), the
    rendering for that account and text (gateway/bio_cache.h). A bio edited through the gateway
    shows on the next view, rendered anew."""
    stack = stack_without_expiry
    ann, bob = speaker(stack, "ann"), speaker(stack, "bob")
    publish(ann, title="Talk by Ann")
    r = ann.submit("/profile", "/profile", dict(name="Ann", location="", bio="I *like* parsers."))
    assert r.status == 303, r.body
    before = (calls(stack, "auth", "auth.user_get"), calls(stack, "comments", "comments.preview"))
    for _ in range(3):
        page = bob.get("/user/ann")
        assert page.status == 200 and "I <em>like</em> parsers." in page.body
        assert "Talk by Ann" in page.body
    assert (calls(stack, "auth", "auth.user_get"),
            calls(stack, "comments", "comments.preview")) == (before[0] + 1, before[1] + 1)
    r = ann.submit("/profile", "/profile", dict(name="Ann", location="", bio="I *love* parsers."))
    assert r.status == 303, r.body
    page = bob.get("/user/ann").body
    assert "I <em>love</em> parsers." in page and "I <em>like</em>" not in page
    assert calls(stack, "comments", "comments.preview") == before[1] + 2
    assert bob.get("/user/nobody").status == 404


def test_lists_of_talks_are_asked_of_svc_talks_once_until_a_talk_changes(stack_without_expiry):
    """A logged-in reader's timeline and speaker pages (never cached as pages) ask svc-talks for
    each list once (gateway/talks_cache.h); a talk published, edited or deleted through the
    gateway shows on them at once."""
    stack = stack_without_expiry
    ann, bob = speaker(stack, "ann"), speaker(stack, "bob")
    first = publish(ann, title="First talk")
    before = calls(stack, "talks", "talks.list")
    for round in range(3):
        for path in ("/", "/user/ann", "/api/1.0/talks"):
            page = bob.get(path)
            assert page.status == 200 and "First talk" in page.body
        if round == 0:
            asked = calls(stack, "talks", "talks.list")
            assert asked > before
    assert calls(stack, "talks", "talks.list") == asked
    publish(ann, title="Second talk")
    for path in ("/", "/user/ann", "/api/1.0/talks"):
        assert "Second talk" in bob.get(path).body
    talk_id = first.rsplit("/", 1)[1]
    r = ann.submit(f"/edit/{talk_id}", f"/edit/{talk_id}",
                   dict(title="First, renamed", description="d", slides="", video="", venue="V",
                        venue_url="", date="2024-02-03"))
    assert r.status == 303, r.body
    for path in ("/", "/user/ann"):
        body = bob.get(path).body
        assert "First, renamed" in body and "First talk" not in body
    r = ann.submit(f"/delete/{talk_id}", f"/delete/{talk_id}", {})
    assert r.status == 303, r.body
    for path in ("/", "/user/ann"):
        assert "First, renamed" not in bob.get(path).body


def test_comments_made_elsewhere_reach_visitors_through_the_event_bus(stack_without_expiry):
    """talksctl writes to svc-comments directly, not through the gateway: only the event that
    svc-comments publishes can tell the gateway that the cached talk page changed. Pub/sub may
    lose what is published before svc-comments' publisher has joined the hub (the slow joiner),
    so each round seeds one more approved comment; with a cache that never expires, the page
    can only follow through events."""
    stack = stack_without_expiry
    assert stack.talksctl("seed", "--users", "1", "--talks", "1").returncode == 0
    assert comment_ids(stack.request("GET", "/talk/1").body) == []
    for approved in range(1, 4):  # seed approves every other comment
        r = stack.talksctl("seed", "--users", "1", "--talks", "1", "--comments", str(2 * approved))
        assert r.returncode == 0, r.stderr
        try:
            wait_until(lambda: len(comment_ids(stack.request("GET", "/talk/1").body)) == approved,
                       3, f"{approved} approved seeded comments on the cached talk page")
            return
        except AssertionError:
            continue
    raise AssertionError("the cached talk page never followed the seeded comments")


def test_changes_without_an_event_show_after_the_cache_time(stack):
    """talksctl seed adds talks straight into svc-talks; the default cache time bounds how long
    the timeline can miss them."""
    assert stack.talksctl("seed", "--users", "1", "--talks", "1").returncode == 0
    assert stack.request("GET", "/").body.count('talk-card"') == 1
    assert stack.talksctl("seed", "--users", "1", "--talks", "3").returncode == 0
    wait_until(lambda: stack.request("GET", "/").body.count('talk-card"') == 3, 5,
               "the seeded talks to show on the timeline")


def test_no_cache_when_disabled(tmp_path):
    s = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "0"})
    s.start_all()
    try:
        s.request("GET", "/")
        before = calls(s, "talks", "talks.list")
        for _ in range(3):
            s.request("GET", "/")
        assert calls(s, "talks", "talks.list") == before + 3
    finally:
        assert all(code == 0 for code in s.stop_all().values())


def test_a_page_made_while_a_service_was_down_is_not_kept(stack_without_expiry):
    """Without svc-auth the timeline shows talks without their speakers; that page must not
    stay once svc-auth is back."""
    stack = stack_without_expiry
    ann = speaker(stack, "ann")
    publish(ann)
    assert "Ann Speaker" not in stack.request("GET", "/").body
    # Saving the profile empties the cache; the next visit comes while svc-auth is down.
    r = ann.submit("/profile", "/profile", dict(name="Ann Speaker", location="", bio=""))
    assert r.status == 303, r.body
    assert stack.stop("auth") == 0
    page = stack.request("GET", "/")
    assert page.status == 200 and "Ann Speaker" not in page.body
    stack.start("auth")
    wait_until(stack.healthy, 10, "svc-auth to be back")
    assert "Ann Speaker" in stack.request("GET", "/").body
