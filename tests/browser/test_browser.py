"""GitHub issue 7, browser tests: the site in real headless Chromium, with our JavaScript
(live preview, in-page moderation, local dates), Bootstrap's, and the strict CSP all in play.
Every page is checked for console errors and CSP violations (see conftest.py)."""
import importlib.util
import re
import shutil

import pytest

_missing = [pkg for pkg, ok in (
    ("chromium", shutil.which("chromium") or shutil.which("chromium-browser")),
    ("chromium-driver", shutil.which("chromedriver")),
    ("python3-selenium", importlib.util.find_spec("selenium")),
) if not ok]
if _missing:
    pytest.skip("browser tests need the Debian packages " + ", ".join(_missing), allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from stack import publish, speaker  # noqa: E402  (conftest put tests/integration on sys.path)

YOUTUBE_ID = "dQw4w9WgXcQ"


def log_in(s, email, password="correct horse"):
    """Through the login form, as a person would: navbar link, fields, button."""
    s.get("/")
    s.find("a.nav-login").click()
    s.visible("#login-email")
    s.wait_ready()
    s.find("#login-email").send_keys(email)
    s.find("#login-password").send_keys(password)
    s.find("form[action='/auth/login'] button[type=submit]").click()
    s.wait(lambda d: s.find_all("form.nav-logout"), message="the navbar to show Logout")
    s.wait_ready()
    s.check()


def test_comment_moderate_embed_logout(stack, browser):
    ann_http = speaker(stack, "ann")
    talk = publish(ann_http, title="Fearless C", date="2024-05-04")
    talk_id = talk.rsplit("/", 1)[1]

    # A visitor writes a comment in Markdown and watches the live preview render it.
    vic = browser("visitor")
    vic.get(talk)
    assert vic.find(".talk-byline time.local-date").text == "May 4, 2024"  # talks.js local dates
    vic.find("#comment-name").send_keys("Visitor Vic")
    vic.find("#comment-email").send_keys("vic@example.com")
    vic.find("#comment-body").send_keys("Great **talk**, _thanks_!")
    strong = vic.visible("#comment-preview strong")
    assert strong.text == "talk"
    vic.wait(lambda d: "<em>thanks</em>" in vic.find("#comment-preview").get_attribute("innerHTML"),
             message="the preview to catch up with the last keystroke")
    assert "is-error" not in vic.find("#comment-preview").get_attribute("class")
    vic.find("form.comment-form button[type=submit]").click()
    vic.wait(lambda d: vic.flashes(), message="a flash after posting")
    assert vic.flashes() == ["Your comment will be published after it is reviewed by the presenter."]
    assert vic.path().startswith(talk)
    # Not among the comments until approved; only this visitor sees it, waiting for review.
    assert not vic.find_all("#comments > .comment-list article.comment")
    assert len(vic.find_all("#own-comments article.comment-pending")) == 1
    vic.check()

    # The speaker logs in with the form and sees the pending count in the navbar.
    ann = browser("speaker")
    log_in(ann, "ann@example.com")
    assert ann.path() == "/"
    badge = ann.find("a[href='/moderate'] .nav-badge")
    assert badge.is_displayed() and badge.get_attribute("data-count") == "1"
    assert badge.text.split("\n") == ["1", "comments waiting"]  # the second part for screen readers

    # Approves in the page: no reload (the marker survives), the status says so, counts move.
    ann.get(talk)
    article = ann.find("article.comment.comment-pending")
    assert "Great talk, thanks!" in article.find_element(By.CSS_SELECTOR, ".comment-body").text
    ann.driver.execute_script("window.__talks_same_page = 'still here';")
    anchor = article.get_attribute("id")
    article.find_element(By.CSS_SELECTOR, ".js-comment-approve").click()
    # Found again by its id: the live stream may have put the server's approved copy in its place.
    ann.wait(lambda d: ann.find(f"#{anchor} .comment-status").text == "Approved",
             message='the status text "Approved"')
    assert ann.driver.execute_script("return window.__talks_same_page") == "still here"
    article = ann.find(f"#{anchor}")
    assert "comment-pending" not in article.get_attribute("class")
    assert not article.find_elements(By.CSS_SELECTOR, ".js-comment-approve, .comment-pending-badge")
    assert not ann.find("a[href='/moderate'] .nav-badge").is_displayed()
    assert ann.find("#comments-heading .comments-total").text == "1"
    ann.check()

    # Everyone sees it now: a fresh anonymous browser.
    eve = browser("fresh-visitor")
    eve.get(talk)
    comments = eve.find_all("article.comment")
    assert len(comments) == 1
    body = comments[0].find_element(By.CSS_SELECTOR, ".comment-body")
    assert body.find_element(By.TAG_NAME, "strong").text == "talk"
    assert body.find_element(By.TAG_NAME, "em").text == "thanks"
    assert comments[0].find_element(By.CSS_SELECTOR, ".comment-author").text == "Visitor Vic"
    assert not eve.find_all(".js-comment-approve, .js-comment-delete, .comment-email")

    # The speaker edits the talk with a YouTube link; the page shows the server-built iframe.
    ann.find("a.talk-edit").click()
    ann.visible("#talk-video")
    ann.wait_ready()
    assert ann.path() == f"/edit/{talk_id}"
    ann.find("#talk-video").send_keys(f"https://www.youtube.com/watch?v={YOUTUBE_ID}")
    ann.find("form button[type=submit].btn-primary").click()
    ann.wait(lambda d: ann.flashes(), message="a flash after saving")
    ann.wait_ready()
    assert ann.flashes() == ["The talk was updated successfully."]
    assert ann.path().startswith(talk)
    frame = ann.visible("section[aria-labelledby=video-heading] iframe")
    assert frame.get_attribute("src") == f"https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}"
    assert set(frame.get_attribute("sandbox").split()) == {
        "allow-scripts", "allow-same-origin", "allow-popups", "allow-presentation"}
    assert frame.get_attribute("loading") == "lazy"
    assert frame.get_attribute("title") == "YouTube"
    assert frame.size["width"] > 600 and abs(frame.size["height"] * 16 / 9 - frame.size["width"]) < 4
    ann.check()

    # Logout: a POST from the navbar; the session is over.
    ann.find("form.nav-logout button").click()
    ann.wait(lambda d: ann.find_all("a.nav-login"), message="Presenter Login after logout")
    ann.wait_ready()
    assert ann.flashes() == ["You have been logged out."]
    assert not ann.find_all("form.nav-logout, a[href='/moderate']")
    ann.get("/moderate")
    assert ann.path().startswith("/auth/login")


def test_pages_at_desktop_and_phone_size(stack, browser):
    """Screenshots of the main pages at both sizes (build/screenshots/), each page checked."""
    bob_http = speaker(stack, "bob")
    talk = publish(bob_http, title="Screenshots: a talk with a rather long title to see how it wraps",
                   description="What the page looks like.\nSecond line.", date="2024-06-01",
                   video=f"https://youtu.be/{YOUTUBE_ID}",
                   slides="https://example.com/slides.pdf")
    publish(bob_http, title="Another talk", date="2023-11-20", venue="PyCon")
    token = bob_http.csrf(talk)
    r = bob_http.post(talk, {"csrf_token": token, "body": "Speaker here: *thanks* for coming.\n\n"
                                                          "- slides are up\n- `code` too"})
    assert r.status == 303
    visitor = stack.browser()
    r = visitor.submit(talk, talk, {"name": "Visitor Val", "email": "val@example.com",
                                    "body": "A question about **part two**: https://example.org/q",
                                    "notify": "on"})
    assert r.status == 303

    anon = browser("anonymous")
    bob = browser("bob")
    log_in(bob, "bob@example.com")
    for size in ("desktop", "phone"):
        for s in (anon, bob):
            s.size(size)
        for page, s, path in (("home", anon, "/"),
                              ("talk", anon, talk),
                              ("login", anon, "/auth/login"),
                              ("user", anon, "/user/bob"),
                              ("talk-speaker", bob, talk),
                              ("profile", bob, "/profile"),
                              ("new-talk", bob, "/new"),
                              ("moderate", bob, "/moderate")):
            s.get(path)
            # Nothing sticks out sideways (the classic phone-layout bug).
            overflow = s.sideways()
            assert overflow <= 0, f"{page} at {size} scrolls sideways by {overflow}px"
            s.screenshot(f"{page}-{size}")
            s.check()
        # The collapsed navbar opens (Bootstrap's JavaScript runs under the CSP).
        bob.get("/")
        toggler = bob.find(".navbar-toggler")
        if size == "phone":
            assert toggler.is_displayed()
            # The visitor's comment waits for bob: the closed menu's button says so.
            badge = bob.find(".navbar-toggler .nav-badge")
            assert badge.is_displayed() and badge.text.startswith("1"), badge.text
            toggler.click()
            bob.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, "#site-nav-menu a[href='/moderate']")),
                     message="the menu to open")
            bob.wait(lambda d: "collapsing" not in bob.find("#site-nav-menu").get_attribute("class"),
                     message="the menu animation to end")
            bob.screenshot("menu-phone")
            assert not bob.driver.current_url.endswith("#site-nav-menu")  # toggled in place
        else:
            assert not toggler.is_displayed()
        bob.check()

    # Delete from the moderation page: the comment goes in place, and the badge with it.
    bob.size("desktop")
    bob.get("/moderate")
    article = bob.find("article.comment-pending")
    bob.driver.execute_script("window.__talks_same_page = 'still here';")
    article.find_element(By.CSS_SELECTOR, ".js-comment-delete").click()
    bob.wait(lambda d: article.find_element(By.CSS_SELECTOR, ".comment-status").text == "Deleted",
             message='the status text "Deleted"')
    bob.wait(EC.staleness_of(article), message="the deleted comment to leave the page")
    assert bob.driver.execute_script("return window.__talks_same_page") == "still here"
    assert not bob.find("a[href='/moderate'] .nav-badge").is_displayed()
    bob.get("/moderate")
    assert not bob.find_all("article.comment")


def test_the_watch_catches_errors_and_csp_violations(stack, browser):
    """The console and CSP checks every other test relies on do fail when they should."""
    s = browser("self-check")

    def fails_with(pattern):
        def failed(_):
            try:
                s.check()
            except AssertionError as e:
                return str(e)
            return False
        message = s.wait(failed, message=f"the check to fail with {pattern}")
        assert re.search(pattern, message), message

    s.get("/")
    s.driver.execute_script("var el = document.createElement('script'); el.textContent = '1';"
                            "document.body.appendChild(el);")
    fails_with(r"securitypolicyviolation: .*script-src|CSP: .*Content Security Policy")
    s.driver.execute_script("window.setTimeout(function () { throw new Error('boom'); }, 0);")
    fails_with(r"console error: .*Uncaught Error: boom")
    s.check()  # and nothing is left over once reported
