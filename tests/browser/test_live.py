"""Live comments in two real browsers: what one posts appears in the other's open talk page
without a reload (static/live.js over GET /talk/<id>/live), a visitor's pending comment appears
only on the speaker's page, with the navbar's Moderate badge; no console error or CSP
violation anywhere (conftest.py checks every step)."""
import importlib.util
import os
import re
import shutil
import sqlite3

import pytest

if not ((shutil.which("chromium") or shutil.which("chromium-browser")) and shutil.which("chromedriver")
        and importlib.util.find_spec("selenium")):
    pytest.skip("browser tests need chromium, chromium-driver and python3-selenium",
                allow_module_level=True)

from stack import publish, speaker  # noqa: E402  (conftest put tests/integration on sys.path)
from test_browser import log_in  # noqa: E402


def mark_page(s):
    """A flag in the page's window: still there later means the page was never reloaded."""
    s.driver.execute_script("window.__same_page = true;")


def same_page(s):
    return s.driver.execute_script("return window.__same_page === true;")


def comment_text(s, comment_id):
    return s.find(f"#comment-{comment_id} .comment-body").text


def post_from(s, talk, body, **fields):
    """Fills and sends the comment form as a person would; returns the new comment's id."""
    s.get(talk)
    for name, value in fields.items():
        s.find(f"#comment-{name}").send_keys(value)
    s.find("#comment-body").send_keys(body)
    s.find("form.comment-form button[type=submit]").click()
    s.wait(lambda d: "Your comment" in " ".join(s.flashes()), message="the comment's flash")
    s.wait_ready()
    s.check()
    m = re.search(r"#comment-(\d+)", s.driver.current_url)
    return int(m.group(1)) if m else None


def test_a_comment_appears_in_the_other_browser(stack, browser):
    http = speaker(stack, "liv")  # liv's talk, published over plain HTTP
    talk = publish(http, title="Live from the hall")

    ann = browser("speaker")
    log_in(ann, "liv@example.com")
    visitor = browser("visitor")
    visitor.get(talk)
    mark_page(visitor)
    total = visitor.find(".comments-total").text

    cid = post_from(ann, talk, "Slides are *up* now")
    assert cid
    visitor.wait(lambda d: d.find_elements("css selector", f"#comment-{cid}"),
                 message="liv's comment to appear in the visitor's page")
    assert same_page(visitor), "the visitor's page was reloaded"
    assert comment_text(visitor, cid) == "Slides are up now"
    assert visitor.find(f"#comment-{cid} .comment-body em").text == "up"
    assert int(visitor.find(".comments-total").text) == int(total) + 1
    assert not visitor.find_all(f"#comment-{cid} .comment-actions")  # no moderation for visitors
    when = visitor.find(f"#comment-{cid} time.local-time")
    visitor.wait(lambda d: when.text != when.get_attribute("datetime"),
                 message="the new comment's time in the reader's words")
    visitor.check()

    # The visitor's comment waits for moderation: it appears on liv's open page only.
    mark_page(ann)
    pending = post_from(visitor, talk, "Can we get the code?", name="Vic", email="vic@example.com")
    assert pending is None  # its anchor is not on the visitor's page yet
    ann.wait(lambda d: d.find_elements("css selector", ".comment-pending .comment-body"),
             message="the pending comment to appear on liv's page")
    assert same_page(ann), "liv's page was reloaded"
    article = ann.find(".comment-pending")
    assert "Can we get the code?" in article.text and "vic@example.com" in article.text
    ann.wait(lambda d: ann.find("a.nav-link[href='/moderate'] .nav-badge").text.startswith("1"),
             message="the Moderate badge to count it")
    assert article.find_element("css selector", ".js-comment-approve")  # in-page moderation
    visitor.check()
    ann.check()


def test_a_page_whose_place_was_pruned_reloads_and_shows_everything(stack, browser):
    """svc-comments keeps the live changes of the last days only (svc-comments/prune.h). A page
    whose stream's place is older than the oldest change kept cannot be sent what it missed:
    the stream says "reload", and live.js loads the page again, which shows everything."""
    lia = speaker(stack, "lia")
    talk, other = publish(lia, title="Live from the hall"), publish(lia, title="Elsewhere")
    visitor = browser("visitor")
    visitor.get(talk)
    mark_page(visitor)
    # Changes on another talk do not wake this page's stream, so its place stays where it was;
    # then the pruner's work (done here at once): every change before the last goes.
    lia.submit(other, other, {"body": "one"})
    last = lia.submit(other, other, {"body": "two"})
    assert last.status == 303
    with sqlite3.connect(os.path.join(stack.real_data_dir, "comments.db"), timeout=10) as db:
        db.execute("DELETE FROM live WHERE seq < (SELECT max(seq) FROM live)")
    r = lia.submit(talk, talk, {"body": "Slides are up"})
    assert r.status == 303
    visitor.wait(lambda d: not same_page(visitor), message="the page to load again")
    visitor.wait_ready()
    visitor.wait(lambda d: "Slides are up" in visitor.find(".comments").text,
                 message="the new comment on the reloaded page")
    visitor.check()
