"""A talk's comment feed, /talk/<id>/feed.atom (SPEC §4, §7): its approved comments as Atom,
newest first, valid XML whatever was typed, linked from the talk page."""
import re
import xml.etree.ElementTree as ET

from stack import publish, speaker

NS = {"a": "http://www.w3.org/2005/Atom"}


def visitor_comment(stack, talk, **fields):
    v = stack.browser()
    form = {"name": "Visitor Vic", "email": "vic@example.com", "body": "Nice", "notify": "on"}
    form.update(fields)
    r = v.submit(talk, talk, form)
    assert r.status == 303, r.body


def approve_all(ann, talk):
    """Approves, as the speaker through the page's own API call, every pending comment on talk."""
    page = ann.get(talk).body
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    for cid in re.findall(r'js-comment-approve" data-comment-id="(\d+)"', page):
        r = ann.request("PUT", f"/api/1.0/comments/{cid}", headers={"X-CSRF-Token": token})
        assert r.status == 200, r.body


def feed_of(stack, talk):
    r = stack.request("GET", f"{talk}/feed.atom")
    assert r.status == 200, r.body
    assert r.getheader("Content-Type").startswith("application/atom+xml")
    return ET.fromstring(r.body.encode())  # fails on anything that is not well-formed XML


def test_comment_feed_has_the_approved_comments_newest_first_and_no_pending_one(stack):
    ann = speaker(stack)
    talk = publish(ann)
    visitor_comment(stack, talk, body="First, and *approved*")
    approve_all(ann, talk)
    r = ann.submit(talk, talk, {"body": "Second, by the speaker"})
    assert r.status == 303
    visitor_comment(stack, talk, name="Pending Pat", body="Still waiting")

    feed = feed_of(stack, talk)
    assert feed.find("a:title", NS).text == "Comments on Fearless C"
    entries = feed.findall("a:entry", NS)
    assert [e.find("a:content", NS).text.strip() for e in entries] == [
        "<p>Second, by the speaker</p>", "<p>First, and <em>approved</em></p>"]
    assert entries[1].find("a:title", NS).text == "Comment by Visitor Vic"
    assert entries[1].find("a:author/a:name", NS).text == "Visitor Vic"
    assert entries[1].find("a:content", NS).get("type") == "html"
    link = entries[1].find("a:link", NS).get("href")
    assert re.fullmatch(rf"http://127\.0\.0\.1:{stack.port}{talk}\?page=1#comment-\d+", link), link
    assert "Still waiting" not in stack.request("GET", f"{talk}/feed.atom").body


def test_comment_feed_is_valid_xml_whatever_was_typed(stack):
    ann = speaker(stack)
    talk = publish(ann, title='<b>T</b> & "more" \uffff')  # U+FFFF is not XML
    evil = "<script>alert(1)</script>]]>&amp;"
    visitor_comment(stack, talk, name=evil, body=f"{evil} <img src=x onerror=alert(1)>")
    approve_all(ann, talk)
    body = stack.request("GET", f"{talk}/feed.atom").body
    assert "<script>" not in body and "<img" not in body
    feed = feed_of(stack, talk)
    assert feed.find("a:title", NS).text.startswith('Comments on <b>T</b> & "more" ')
    entry = feed.find("a:entry", NS)
    assert entry.find("a:author/a:name", NS).text == evil
    content = entry.find("a:content", NS).text
    # The comment's HTML: script and img tags dropped (SPEC section 4), their text kept.
    assert "<script" not in content and "<img" not in content and "alert(1)" in content


def test_talk_page_links_its_comment_feed_and_an_unknown_talk_has_none(stack):
    ann = speaker(stack)
    talk = publish(ann)
    page = stack.request("GET", talk).body
    assert (f'<link rel="alternate" type="application/atom+xml" title="Comments on Fearless C" '
            f'href="{talk}/feed.atom">') in page
    assert feed_of(stack, talk).findall("a:entry", NS) == []
    assert stack.request("GET", "/talk/999/feed.atom").status == 404
    assert stack.request("GET", "/talk/x/feed.atom").status == 404
