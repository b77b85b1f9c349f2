"""A visitor's own comments waiting for review (issue 21, SPEC section 4): after posting, the talk
page shows that browser (and only that one) its comment marked as waiting for review, beside the
form, with the flash where the redirect lands; name and email are filled in for the next comment;
once approved the comment shows once, among the others; a 429 keeps what was typed."""
import html
import re

import pytest

from stack import Stack, flashes, publish, speaker
from test_comments import VISITOR, comment, comment_ids


def own_section(page_html):
    """The "Waiting for review" section of a talk page, or None."""
    m = re.search(r'<section id="own-comments".*?</section>', page_html, re.S)
    return m.group(0) if m else None


def field_value(page_html, name):
    m = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % name, page_html)
    return html.unescape(m.group(1)) if m else None


@pytest.fixture
def cached_stack(tmp_path):
    """A stack whose cached pages never expire: what another visitor gets is the cached copy."""
    s = Stack(tmp_path, {"TALKS_PAGE_CACHE_MS": "3600000"})
    s.start_all()
    yield s
    codes = s.stop_all()
    assert all(code == 0 for code in codes.values()), codes


def test_the_visitor_sees_their_pending_comment_beside_the_form_and_nobody_else_does(cached_stack):
    stack = cached_stack
    ann = speaker(stack, "ann")
    talk = publish(ann)
    other = stack.browser()
    assert other.get(talk).status == 200  # the talk page is cached now
    vic = stack.browser()
    r = comment(vic, talk, **VISITOR)
    assert r.status == 303
    loc = r.getheader("Location")
    assert loc == talk + "?page=1#own-comments"
    page = vic.get(loc.split("#")[0]).body
    mine = own_section(page)
    assert mine is not None, page
    assert "Waiting for review" in mine and "Great <strong>talk</strong>!" in mine
    # The flash is where the redirect lands, not out of view at the top.
    assert flashes(mine) == ["Your comment will be published after it is reviewed by the presenter."]
    assert flashes(page) == flashes(mine)
    assert "No comments yet" not in page
    # The form is filled in with the name and email for the next comment, the text is not.
    assert field_value(page, "name") == VISITOR["name"]
    assert field_value(page, "email") == VISITOR["email"]
    assert re.search(r'<textarea[^>]*name="body"[^>]*></textarea>', page)
    # Another visitor, cached page or not, sees neither the comment nor vic's name.
    for b in (other, stack.browser()):
        seen = b.get(talk).body
        assert own_section(seen) is None and "Great" not in seen
        assert VISITOR["name"] not in seen and "No comments yet" in seen
    # A later visit by vic still shows it (no flash now), and the comment is nowhere else.
    again = vic.get(talk).body
    assert "Great <strong>talk</strong>!" in own_section(again) and flashes(again) == []
    assert comment_ids(again.replace(own_section(again), "")) == []


def test_a_forged_or_foreign_cookie_shows_nothing(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    vic = stack.browser()
    assert comment(vic, talk, **VISITOR).status == 303
    mine = vic.cookies["talks_mine"]
    # Another browser that copies the cookie and changes a character of it gets nothing.
    forged = stack.browser()
    flipped = mine[:10] + ("A" if mine[10] != "A" else "B") + mine[11:]
    forged.cookies["talks_mine"] = flipped
    page = forged.get(talk).body
    assert own_section(page) is None and "Great" not in page
    assert field_value(page, "name") == ""
    # The speaker, who sees every pending comment anyway, sees it once.
    ann_page = ann.get(talk).body
    assert own_section(ann_page) is None
    assert ann_page.count("Great <strong>talk</strong>!") == 1


def test_once_approved_it_shows_once_among_the_comments(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    vic = stack.browser()
    assert comment(vic, talk, **VISITOR).status == 303
    assert comment(vic, talk, **dict(VISITOR, body="Second thought")).status == 303
    page = vic.get(talk).body
    assert "Great" in own_section(page) and "Second thought" in own_section(page)
    cid = comment_ids(ann.get(talk).body)[0]
    r = ann.post(f"/comment/{cid}/approve", {"csrf_token": ann.csrf(talk), "next": talk})
    assert r.status == 303
    page = vic.get(talk).body
    assert page.count("Great <strong>talk</strong>!") == 1
    assert "Great" not in own_section(page) and "Second thought" in own_section(page)
    assert comment_ids(page).count(cid) == 1


def test_the_rate_limit_answer_keeps_what_was_typed(tmp_path):
    s = Stack(tmp_path, {"COMMENT_RATE_PER_MINUTE": "1"})
    s.start_all()
    try:
        ann = speaker(s, "ann")
        talk = publish(ann)
        vic = s.browser()
        assert comment(vic, talk, **VISITOR).status == 303
        typed = dict(VISITOR, name="Vic Again", email="again@example.com",
                     body="A long <thought> I must not lose")
        r = comment(vic, talk, **typed)
        assert r.status == 429
        assert "too quickly" in r.body
        assert field_value(r.body, "name") == "Vic Again"
        assert field_value(r.body, "email") == "again@example.com"
        assert "A long &lt;thought&gt; I must not lose</textarea>" in r.body
        # The page is the talk page with its form, ready to be sent again.
        assert 'id="comment-form"' in r.body and 'name="csrf_token"' in r.body
    finally:
        codes = s.stop_all()
        assert all(code == 0 for code in codes.values()), codes
