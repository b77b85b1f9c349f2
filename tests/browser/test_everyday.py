"""Issue 21 in real Chromium, as a visitor, a speaker and an admin would use it, at desktop and
phone size: the visitor's own comment waiting for review (and leaving that section when it is
approved while the page is open), the 429 page keeping the text, raw HTML in comments, changing
and resetting a password (the mail through an SMTP sink), deleting a talk, the bio in Markdown,
moderation forms with and without JavaScript, one-step moderation of a commenter, and the pagers.
Every page is checked for console errors and CSP violations (conftest.py), for sideways
scrolling, and saved under build/screenshots/everyday-*.png."""
import importlib.util
import re
import shutil

import pytest

if not ((shutil.which("chromium") or shutil.which("chromium-browser")) and shutil.which("chromedriver")
        and importlib.util.find_spec("selenium")):
    pytest.skip("browser tests need chromium, chromium-driver and python3-selenium",
                allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402

from conftest import running_stack  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402  (tests/integration, on sys.path through conftest)
from stack import publish, speaker, wait_until  # noqa: E402
from test_browser import log_in  # noqa: E402
from test_oembed import SD_PLAYER, FakeProvider, iframe  # noqa: E402  (tests/integration)

SIZES = ("desktop", "phone")
PENDING = "Your comment will be published after it is reviewed by the presenter."


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    sink = SmtpSink(tmp_path_factory.mktemp("smtp"))
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp):
    """Short pages (so that pagers show with a few items), no comment rate limit, and mail to
    the sink (a reset mail goes out at once; the notification batch waits an hour)."""
    with running_stack(tmp_path_factory.mktemp("everyday"), {
            "COMMENTS_PER_PAGE": "2", "TALKS_PER_PAGE": "2", "COMMENT_RATE_PER_MINUTE": "0",
            "SMTP_URL": smtp.url, "MAIL_FLUSH_SECONDS": "3600"}) as s:
        yield s


def shot(s, name):
    """The page fits the width of the screen, has no console error or CSP violation, and is
    saved as build/screenshots/everyday-<name>.png."""
    overflow = s.sideways()
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"
    s.screenshot(f"everyday-{name}")
    s.check()


# chromedriver answers "Node with given id does not belong to the document" instead of a stale
# element when a click has already made the page go (the form was sent): both mean it went.
GONE = "does not belong to the document"


def click(s, css, within=None):
    """Clicks what a person would tap (scrolled into view first, as they would scroll)."""
    from selenium.common.exceptions import WebDriverException
    el = (within or s.driver).find_element(By.CSS_SELECTOR, css)
    s.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    try:
        el.click()
    except WebDriverException as e:
        if GONE not in str(e):
            raise
    return el


def replaced(old):
    """A wait condition: the page that held old has been replaced."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def check(driver):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if GONE in str(e):
                return True
            raise
    return check


def click_and_load(s, css, within=None, status=None):
    """Clicks a link or a form's button and waits for the page it leads to (answered with that
    HTTP status, when it is an error status the test means)."""
    old = s.find("html")
    click(s, css, within)
    s.wait(replaced(old), message=f"a new page after clicking {css}")
    s.wait_ready()
    if status:
        s.allow_console(f"status of {status} ")
    s.check()


def mark_page(s):
    s.driver.execute_script("window.__same_page = true;")


def same_page(s):
    return s.driver.execute_script("return window.__same_page === true;")


def fill(s, values):
    for css, value in values.items():
        field = s.find(css)
        field.clear()
        field.send_keys(value)


def comment_form(s, body, status=None, **fields):
    fill(s, {f"#comment-{name}": value for name, value in fields.items()})
    fill(s, {"#comment-body": body})
    click_and_load(s, "form.comment-form button[type=submit]", status=status)


# ---- commenters ----

@pytest.mark.parametrize("size", SIZES)
def test_own_comment_waits_beside_the_form_and_joins_the_list_once_approved(stack, browser, size):
    ann = speaker(stack, f"own{size}")
    talk = publish(ann, title="Waiting rooms")
    vic = browser("visitor")
    vic.size(size)
    vic.get(talk)
    comment_form(vic, 'Thanks! <b>raw</b> <i>it</i> <abbr title="HyperText">HTML</abbr> '
                      '<u>under</u><img src="/x.png">', name="Vic Visitor", email="vic@example.com")

    # The page lands at the visitor's comment, with the flash beside it and in view.
    assert vic.driver.current_url.endswith("#own-comments")
    own = vic.visible("#own-comments")
    flash = own.find_element(By.CSS_SELECTOR, ".alert")
    assert flash.text.strip() == PENDING and vic.in_view(flash)
    assert vic.flashes() == [PENDING]  # only there, not also at the top
    assert vic.in_view(own.find_element(By.CSS_SELECTOR, "#own-comments-heading"))
    assert own.find_element(By.CSS_SELECTOR, "#own-comments-heading").text == "Waiting for review"
    mine = own.find_element(By.CSS_SELECTOR, "article.comment-pending")
    assert mine.find_element(By.CSS_SELECTOR, ".comment-author").text == "Vic Visitor"
    # Raw HTML: b, i and abbr are kept; any other tag dropped, its text kept.
    body = mine.find_element(By.CSS_SELECTOR, ".comment-body")
    assert body.text == "Thanks! raw it HTML under"
    assert body.find_element(By.TAG_NAME, "b").text == "raw"
    assert body.find_element(By.TAG_NAME, "i").text == "it"
    assert body.find_element(By.TAG_NAME, "abbr").get_attribute("title") == "HyperText"
    assert not body.find_elements(By.CSS_SELECTOR, "u, img")
    assert not vic.find_all(".comments-empty"), '"No comments yet" beside the visitor\'s own'
    # Name and email are kept for the next comment; the text is not.
    assert vic.find("#comment-name").get_attribute("value") == "Vic Visitor"
    assert vic.find("#comment-email").get_attribute("value") == "vic@example.com"
    assert vic.find("#comment-body").get_attribute("value") == ""
    shot(vic, f"own-comment-{size}")

    # The speaker approves it while the visitor's page is open: it leaves "Waiting for review"
    # and joins the comments, once, without a reload.
    cid = int(mine.get_attribute("data-comment-id"))
    mark_page(vic)
    r = ann.post(f"/comment/{cid}/approve", {"csrf_token": ann.csrf(talk), "next": talk})
    assert r.status == 303
    vic.wait(lambda d: vic.find_all(f"#comments > .comment-list > #comment-{cid}"),
             message="the approved comment to join the list")
    vic.wait(lambda d: not vic.find_all("#own-comments"), message="the waiting section to go")
    assert same_page(vic), "the visitor's page was reloaded"
    assert len(vic.find_all(f"#comment-{cid}")) == 1
    assert vic.find(f"#comment-{cid} .comment-body b").text == "raw"
    assert "comment-pending" not in vic.find(f"#comment-{cid}").get_attribute("class")
    assert vic.find(".comments-total").text == "1"
    assert vic.find(".talk-comment-link [data-comment-total]").text == "1"  # the header's too
    shot(vic, f"own-comment-approved-{size}")


def test_the_slow_down_page_keeps_what_was_typed(tmp_path, browser):
    with running_stack(tmp_path, {"COMMENT_RATE_PER_MINUTE": "1"}) as slow:
        talk = publish(speaker(slow, "slow"), title="One a minute")
        vic = browser("visitor", on=slow)
        vic.get(talk)
        comment_form(vic, "First", name="Vic Visitor", email="vic@example.com")
        for size in SIZES:
            vic.size(size)
            vic.get(talk)
            comment_form(vic, f"A long <thought> at {size} size", status=429, name=f"Vic at {size}",
                         email=f"{size}@example.com")
            # The warning is in view where the page lands, above the form as it was sent.
            warning = vic.visible(".alert-warning")
            assert "too quickly" in warning.text and vic.in_view(warning), warning.text
            assert vic.find("#comment-name").get_attribute("value") == f"Vic at {size}"
            assert vic.find("#comment-email").get_attribute("value") == f"{size}@example.com"
            assert vic.find("#comment-body").get_attribute("value") == f"A long <thought> at {size} size"
            shot(vic, f"slow-down-{size}")


# ---- speakers ----

def test_a_deck_page_plays_and_the_talk_has_its_card(tmp_path, browser):
    provider = FakeProvider()
    deck = "https://speakerdeck.com/deck/fearless-c"
    provider.answers[deck] = iframe(SD_PLAYER)
    try:
        with running_stack(tmp_path, {"TALKS_OEMBED_ENDPOINTS": provider.base}) as s:
            talk = publish(speaker(s, "deck"), title="Fearless C", slides=deck)
            vic = browser("visitor", on=s)
            for size in SIZES:
                vic.size(size)
                vic.get(talk)
                frame = vic.visible(".talk-media-frame iframe")
                assert frame.get_attribute("src") == SD_PLAYER
                assert frame.size["width"] <= vic.driver.execute_script("return innerWidth;")
                card = vic.find("meta[property='og:image']").get_attribute("content")
                assert card == f"http://127.0.0.1:{s.port}{talk}/card.png"
                shot(vic, f"deck-{size}")
            # The card is an image a browser draws, at the size the page announces.
            width = vic.driver.execute_async_script(
                "var done = arguments[1], img = new Image();"
                "img.onload = function () { done(img.naturalWidth + 'x' + img.naturalHeight); };"
                "img.onerror = function () { done('error'); };"
                "img.src = arguments[0];", card)
            assert width == "1200x630"
    finally:
        provider.close()


@pytest.mark.parametrize("size", SIZES)
def test_change_then_forget_and_reset_the_password(stack, smtp, browser, size):
    email = f"pw{size}@example.com"
    stack.adduser(email, f"pw{size}")
    s = browser("speaker")
    log_in(s, email)
    s.size(size)
    s.get("/profile")
    click_and_load(s, "a[href='/profile/password']")
    assert s.path() == "/profile/password"
    fill(s, {"#password-current": "not my password", "#password-new": "a new secret",
             "#password-confirm": "a new secret"})
    click_and_load(s, "form[action='/profile/password'] button[type=submit]", status=400)
    error = s.visible("#password-current-error")
    assert error.text == "That is not your current password."
    shot(s, f"password-refused-{size}")
    fill(s, {"#password-current": "correct horse", "#password-new": "a new secret",
             "#password-confirm": "a new secret"})
    click_and_load(s, "form[action='/profile/password'] button[type=submit]")
    assert s.path() == "/profile"
    assert s.flashes() == ["Your password has been changed. Every other session has been logged out."]

    # Forgotten: from the login form to the mail's link and a new password.
    s.size("desktop")  # the navbar's Logout is in the collapsed menu at phone size
    click_and_load(s, "form.nav-logout button")
    s.get("/auth/login")
    s.size(size)
    shot(s, f"login-{size}")
    click_and_load(s, "a[href='/auth/reset']")
    shot(s, f"reset-request-{size}")
    before = len(smtp.to(email))
    fill(s, {"#reset-email": email})
    click_and_load(s, "form[action='/auth/reset'] button[type=submit]")
    assert s.find("h1").text == "Check your mail"
    shot(s, f"reset-sent-{size}")
    # This address's own mail: the other size's run wrote to the same sink.
    wait_until(lambda: len(smtp.to(email)) > before, 15, f"the reset mail to {email}")
    mail = smtp.to(email)[-1]
    part = mail.get_payload()[0] if mail.is_multipart() else mail
    link = re.search(r"http://\S+(/auth/reset/[A-Za-z0-9_-]+)", part.get_payload(decode=True).decode())
    assert link, "no reset link in the mail"
    s.get(link.group(1))
    assert s.find("h1").text == "Choose a new password"
    shot(s, f"reset-choose-{size}")
    fill(s, {"#password-new": "a third secret", "#password-confirm": "a third secret"})
    click_and_load(s, "form[action^='/auth/reset/'] button[type=submit]")
    assert s.path() == "/auth/login"
    assert s.flashes() == ["Your password has been set. Please log in with the new one."]
    s.size("desktop")
    log_in(s, email, "a third secret")


@pytest.mark.parametrize("size", SIZES)
def test_delete_a_talk_after_confirming(stack, browser, size):
    name = f"del{size}"
    http = speaker(stack, name)
    talk = publish(http, title="A talk to delete, with a title long enough to wrap on a phone")
    talk_id = talk.rsplit("/", 1)[1]
    s = browser("speaker")
    log_in(s, f"{name}@example.com")
    s.size(size)
    s.get(talk)
    for css in ("a.talk-edit", "a.talk-delete"):
        assert s.in_view(s.find(css)), f"{css} is not in view at the top of the talk page"
    edit, delete = s.find("a.talk-edit").rect, s.find("a.talk-delete").rect
    assert edit["y"] == delete["y"] and 0 < delete["x"] - (edit["x"] + edit["width"]) <= 24, \
        "Edit and Delete are not side by side"
    shot(s, f"talk-owner-{size}")

    # From the talk page: the confirm page, then Cancel goes back.
    click_and_load(s, "a.talk-delete")
    assert s.path() == f"/delete/{talk_id}"
    assert s.find(".talk-delete-title").text == "A talk to delete, with a title long enough to wrap on a phone"
    for css in (".talk-delete-form button[type=submit]", ".talk-delete-form a"):
        assert s.in_view(s.find(css)), f"{css} is not in view on the confirm page"
    shot(s, f"delete-confirm-{size}")
    click_and_load(s, ".talk-delete-form a")
    assert s.path() == talk

    # From the edit form: the confirm page again, and Delete.
    s.get(f"/edit/{talk_id}")
    shot(s, f"edit-form-{size}")
    click_and_load(s, "a.talk-form-delete")
    assert s.path() == f"/delete/{talk_id}"
    click_and_load(s, ".talk-delete-form button[type=submit]")
    assert s.path() == f"/user/{name}"
    assert s.flashes() == ["The talk was deleted."]
    assert not s.find_all(f"a[href='{talk}']")
    s.get(talk, status=404)
    assert s.find("h1").text == "Page not found"


@pytest.mark.parametrize("size", SIZES)
def test_the_bio_is_markdown(stack, browser, size):
    name = f"bio{size}"
    stack.adduser(f"{name}@example.com", name)
    s = browser("speaker")
    log_in(s, f"{name}@example.com")
    s.size(size)
    s.get("/profile")
    fill(s, {"#profile-bio": "I write **C** and _Python_.\n\nSlides: https://example.org/slides"
                             "\n\n<script>alert(1)</script>"})
    click_and_load(s, "form button[type=submit].btn-primary")
    assert s.flashes() == ["Your profile has been updated."]
    s.get(f"/user/{name}")
    bio = s.find(".profile-bio-html")
    assert bio.find_element(By.TAG_NAME, "strong").text == "C"
    assert bio.find_element(By.TAG_NAME, "em").text == "Python"
    link = bio.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href") == "https://example.org/slides"
    assert set(link.get_attribute("rel").split()) == {"nofollow", "ugc", "noopener"}
    assert not bio.find_elements(By.TAG_NAME, "script") and "**" not in bio.text
    shot(s, f"user-bio-{size}")


# ---- moderators ----

def pending_comments(stack, talk, *bodies, name="Visitor Vic", email="vic@example.com"):
    for body in bodies:
        r = stack.browser().submit(talk, talk, {"name": name, "email": email, "body": body})
        assert r.status == 303, r.body


def test_the_phone_menu_opens_without_javascript(stack, browser):
    speaker(stack, "menu")
    s = browser("speaker without JavaScript on a phone", javascript=False)
    log_in(s, "menu@example.com")
    s.size("phone")
    s.get("/")
    moderate = s.find("#site-nav-menu a[href='/moderate']")
    assert not moderate.is_displayed()  # the menu starts closed
    click(s, ".navbar-toggler")
    s.wait(lambda d: moderate.is_displayed(), message="the menu to open")
    shot(s, "menu-nojs-phone")
    click_and_load(s, "#site-nav-menu a[href='/moderate']")
    assert s.path() == "/moderate"


@pytest.mark.parametrize("size", SIZES)
def test_moderation_forms_without_javascript(stack, browser, size):
    name = f"nojs{size}"
    talk = publish(speaker(stack, name), title="Moderated by hand")
    pending_comments(stack, talk, "Approve me", "Delete me")
    s = browser("speaker without JavaScript", javascript=False)
    log_in(s, f"{name}@example.com")
    s.size(size)
    s.get(talk)
    assert len(s.find_all("article.comment-pending")) == 2
    shot(s, f"talk-pending-nojs-{size}")

    approve = s.find_all("article.comment-pending")[0]
    cid = approve.get_attribute("data-comment-id")
    click_and_load(s, ".js-comment-approve", within=approve)
    assert s.path().startswith(talk)
    assert s.flashes() == ["The comment was approved."]
    assert "comment-pending" not in s.find(f"#comment-{cid}").get_attribute("class")
    assert s.find(".comments-total").text == "1"

    s.get("/moderate")
    shot(s, f"moderate-nojs-{size}")
    left = s.find("article.comment-pending")
    assert "Delete me" in left.text
    click_and_load(s, ".js-comment-delete", within=left)
    assert s.path() == "/moderate"
    assert s.flashes() == ["The comment was deleted."]
    assert not s.find_all("article.comment")


@pytest.mark.parametrize("size", SIZES)
def test_moderation_in_place_with_javascript(stack, browser, size):
    name = f"js{size}"
    talk = publish(speaker(stack, name), title="Moderated in place")
    pending_comments(stack, talk, "Approve me in place")
    s = browser("speaker")
    log_in(s, f"{name}@example.com")
    s.size(size)
    s.get("/moderate")
    mark_page(s)
    article = s.find("article.comment-pending")
    click(s, ".js-comment-approve", within=article)
    s.wait(lambda d: article.find_element(By.CSS_SELECTOR, ".comment-status").text == "Approved",
           message='the status text "Approved"')
    assert same_page(s), "the page was reloaded"
    shot(s, f"moderate-in-place-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_approve_or_delete_all_from_one_commenter(stack, browser, size):
    name = f"bulk{size}"
    http = speaker(stack, name)
    one = publish(http, title="First of two")
    two = publish(http, title="Second of two")
    vic = {"name": "Vic Visitor", "email": f"vic.{size}@example.com"}
    val = {"name": "Valentina Longname-Visitor", "email": f"valentina.longname.{size}@example.org"}
    pending_comments(stack, one, "Vic on one", **vic)
    pending_comments(stack, two, "Vic on two", **vic)
    pending_comments(stack, one, "Val on one", **val)
    pending_comments(stack, one, "Vic again", **vic)

    s = browser("speaker")
    log_in(s, f"{name}@example.com")
    s.size(size)
    s.get("/moderate")
    shot(s, f"moderate-bulk-{size}")
    buttons_fit(s, ".commenter-actions button")
    click_and_load(s, ".commenter-actions form[action='/moderate/commenter/approve'] button")
    buttons = [b.text for b in s.find_all(".commenter-actions button")]
    assert s.flashes() == ["Approved 3 comments from that commenter."], buttons
    assert [a.find_element(By.CSS_SELECTOR, ".comment-author").text
            for a in s.find_all("article.comment-pending")] == [val["name"]]
    assert [" ".join(b.split()) for b in buttons] == [f"Approve all from {val['name']}", f"Delete all from {val['email']}"]
    buttons_fit(s, ".commenter-actions button")
    shot(s, f"moderate-bulk-after-{size}")

    # The admin, on every talk's list: deletes all of Val's.
    stack.adduser(f"admin{size}@example.com", f"admin{size}", admin=True)
    admin = browser("admin")
    log_in(admin, f"admin{size}@example.com")
    admin.size(size)
    admin.get("/moderate-admin")
    while not admin.find_all(f"input[name=email][value='{val['email']}']"):
        click_and_load(admin, ".pager a[rel=next]")
    shot(admin, f"moderate-admin-bulk-{size}")
    click_and_load(admin, f"form[action='/moderate/commenter/delete']:has(input[value='{val['email']}']) button")
    assert admin.flashes() == ["Deleted 1 comment from that commenter."]
    s.get("/moderate")
    assert not s.find_all("article.comment")


def pager_fits(s):
    """Every item of the pager is inside the screen's width, the page numbers on one row and the
    two arrows on one row (on a phone the row below the numbers)."""
    width = s.driver.execute_script("return document.documentElement.clientWidth")
    items = s.find_all("nav.pager li")
    for li in items:
        assert li.rect["x"] >= 0 and li.rect["x"] + li.rect["width"] <= width, f"{li.text!r} sticks out"
    arrows, numbers = [items[0], items[-1]], items[1:-1]
    assert len({round(li.rect["y"]) for li in numbers}) == 1, "the page numbers wrap"
    assert arrows[0].rect["y"] == arrows[1].rect["y"], "one arrow wraps under the other"
    if s.driver.execute_script("return window.innerWidth") < 576:
        assert arrows[0].rect["y"] > numbers[0].rect["y"], "the arrows are not below the numbers"


def buttons_fit(s, css):
    width = s.driver.execute_script("return document.documentElement.clientWidth")
    for button in s.find_all(css):
        rect = button.rect
        assert rect["x"] >= 0 and rect["x"] + rect["width"] <= width, f"{button.text!r} sticks out"


def pager_numbers(s):
    return [li.text for li in s.find_all("nav.pager li") if "←" not in li.text and "→" not in li.text]


@pytest.mark.parametrize("size", SIZES)
def test_pagers_number_the_pages_and_jump_to_the_last(stack, browser, size):
    name = f"pages{size}"
    http = speaker(stack, name)
    for i in range(9):
        publish(http, title=f"Paged talk {i}", date=f"2020-01-{i + 1:02d}")
    talk = publish(http, title="Many comments", date="2019-12-31")
    for i in range(7):
        r = http.post(talk, {"csrf_token": http.csrf(talk), "body": f"note {i}"})
        assert r.status == 303
    s = browser("visitor")
    s.size(size)

    # The timeline: newest first; page 1 has nothing newer, the last page nothing older.
    s.get("/")
    numbers = pager_numbers(s)
    assert numbers[0] == "1" and "…" in numbers, numbers
    assert s.find("nav.pager li.active").text == "1"
    last = numbers[-1]
    pager_fits(s)
    shot(s, f"timeline-pager-{size}")
    click_and_load(s, f"nav.pager a[aria-label='Page {last}']")
    assert s.find("nav.pager li.active").text == last
    assert s.find("nav.pager li:last-child").get_attribute("class").split() == ["page-item", "disabled"]
    pager_fits(s)

    # A speaker's page pages the same way.
    s.get(f"/user/{name}")
    assert pager_numbers(s)[-1] == "5"
    shot(s, f"user-pager-{size}")

    # A talk's comments: oldest first, two a page; the last page holds the newest.
    s.get(talk)
    assert pager_numbers(s) == ["1", "2", "3", "4"]
    assert [el.text for el in s.find_all(".comment-list .comment-body")] == ["note 0", "note 1"]
    pager_fits(s)
    shot(s, f"comments-pager-{size}")
    click_and_load(s, "nav.pager a[aria-label='Page 4']")
    assert [el.text for el in s.find_all(".comment-list .comment-body")] == ["note 6"]
    assert s.find("nav.pager li.active").text == "4"
    pager_fits(s)


@pytest.mark.parametrize("size", SIZES)
def test_moderate_admin_reads_oldest_first_with_arrows_that_agree(stack, browser, size):
    talk = publish(speaker(stack, f"madm{size}"), title="Admin's list")
    pending_comments(stack, talk, *(f"waiting {size} {i}" for i in range(5)))
    stack.adduser(f"madmin{size}@example.com", f"madmin{size}", admin=True)
    s = browser("admin")
    log_in(s, f"madmin{size}@example.com")
    s.size(size)
    s.get("/moderate-admin")
    arrows = [li.text for li in s.find_all("nav.pager li") if "←" in li.text or "→" in li.text]
    assert arrows == ["← Older", "Newer →"]
    assert "disabled" in s.find("nav.pager li:first-child").get_attribute("class")
    assert s.find("nav.pager li:last-child a").get_attribute("rel") == "next"
    pager_fits(s)
    shot(s, f"moderate-admin-pager-{size}")
    last = pager_numbers(s)[-1]
    click_and_load(s, f"nav.pager a[aria-label='Page {last}']")
    # The newest comment is on the last page, after the older ones.
    bodies = [el.text for el in s.find_all("article.comment .comment-body")]
    assert bodies[-1] == f"waiting {size} 4", bodies
    assert "disabled" in s.find("nav.pager li:last-child").get_attribute("class")
    click_and_load(s, "nav.pager a[rel=prev]")
    assert s.find("nav.pager li.active").text == str(int(last) - 1)
    pager_fits(s)
