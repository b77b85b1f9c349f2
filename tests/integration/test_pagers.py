"""One pager everywhere: arrows whose words match the list's order (the previous page on the left),
and page numbers with the first and the last page always there — timeline, a talk's comments,
moderation."""
import html
import re

import pytest

from stack import Stack, publish, speaker

VISITOR = {"name": "Visitor Vic", "email": "vic@example.com", "notify": "on"}


@pytest.fixture
def paged(tmp_path):
    s = Stack(tmp_path, extra_env={"COMMENTS_PER_PAGE": "1", "TALKS_PER_PAGE": "1",
                                   "COMMENT_RATE_PER_MINUTE": "100"})
    s.start_all()
    yield s
    s.stop_all()


def pager(page_html):
    """(arrows, numbers) of the page's pager: arrows as [(label, href or None)], numbers as
    [(text, href or None, current)]; None when the page has no pager."""
    nav = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', page_html, re.S)
    if not nav:
        return None
    items = re.findall(r'<li class="page-item([^"]*)"[^>]*>(.*?)</li>', nav.group(1), re.S)
    arrows, numbers = [], []
    for cls, inner in items:
        href = re.search(r'href="([^"]+)"', inner)
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        entry = (text, html.unescape(href.group(1)) if href else None)
        if "←" in text or "→" in text:
            arrows.append(entry)
        else:
            numbers.append(entry + ("active" in cls,))
    return arrows, numbers


def test_moderation_pages_read_oldest_first(paged):
    ann = speaker(paged, "ann")
    talk = publish(ann)
    for i in range(8):
        assert paged.browser().submit(talk, talk, dict(VISITOR, body=f"note {i}")).status == 303
    first = ann.get("/moderate").body
    assert "note 0" in first
    arrows, numbers = pager(first)
    # Page 1 holds the oldest comment: nothing older, newer ones on page 2.
    assert arrows == [("← Older", None), ("Newer →", "/moderate?page=2")]
    assert numbers == [("1", None, True), ("2", "/moderate?page=2", False),
                       ("3", "/moderate?page=3", False), ("…", None, False),
                       ("8", "/moderate?page=8", False)]
    arrows, numbers = pager(ann.get("/moderate?page=5").body)
    assert arrows == [("← Older", "/moderate?page=4"), ("Newer →", "/moderate?page=6")]
    assert [n[0] for n in numbers] == ["1", "…", "3", "4", "5", "6", "7", "8"]
    last = ann.get("/moderate?page=8").body
    assert "note 7" in last
    assert pager(last)[0] == [("← Older", "/moderate?page=7"), ("Newer →", None)]
    # The admin page is the same list of every talk.
    root = speaker(paged, "root", admin=True)
    arrows, _ = pager(root.get("/moderate-admin").body)
    assert arrows == [("← Older", None), ("Newer →", "/moderate-admin?page=2")]
    # A talk's comments run oldest first too; the links keep the #comments anchor.
    for i in range(3):
        ann.submit(talk, talk, {"body": f"mine {i}"})
    arrows, numbers = pager(paged.request("GET", talk + "?page=2").body)
    assert arrows == [("← Older comments", talk + "#comments"),
                      ("Newer comments →", talk + "?page=3#comments")]
    assert [n[0] for n in numbers] == ["1", "2", "3"]


def test_timeline_reads_newest_first(paged):
    ann = speaker(paged, "ann")
    for day in range(1, 8):
        publish(ann, title=f"Talk {day}", date=f"2024-01-0{day}")
    first = paged.request("GET", "/").body
    assert "Talk 7" in first
    arrows, numbers = pager(first)
    assert arrows == [("← Newer", None), ("Older →", "/?page=2")]
    assert numbers[-1] == ("7", "/?page=7", False) and ("…", None, False) in numbers
    arrows, numbers = pager(paged.request("GET", "/?page=7").body)
    assert arrows == [("← Newer", "/?page=6"), ("Older →", None)]
    assert numbers[0] == ("1", "/", False) and numbers[-1] == ("7", None, True)
    # One page: no pager at all.
    assert pager(ann.get("/user/nobody").body) is None
