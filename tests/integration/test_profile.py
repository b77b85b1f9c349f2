"""Speaker pages and editing one's own profile."""
from stack import flashes


def test_profile_needs_login(stack):
    b = stack.browser()
    r = b.get("/profile")
    assert r.status == 302
    assert r.getheader("Location") == "/auth/login?next=%2Fprofile"
    assert flashes(b.get("/auth/login?next=%2Fprofile").body) == ["Please log in to access this page."]


def test_user_page_shows_the_profile(stack):
    stack.adduser("ann@example.com", "ann")
    r = stack.request("GET", "/user/ann")
    assert r.status == 200
    assert "@ann" in r.body or ">ann<" in r.body


def test_unknown_user_is_a_404_page(stack):
    for name in ("nobody", "bad%20name", "x" * 300, "y" * 5000):
        r = stack.request("GET", f"/user/{name}")
        assert r.status == 404, name
        assert "Page not found" in r.body


def test_profile_edit_shows_on_the_user_page(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.submit("/profile", "/profile", {"name": "Ann Speaker", "location": "Lisbon",
                                          "bio": "Line one\nLine two <b>bold</b>"})
    assert r.status == 303 and r.getheader("Location") == "/user/ann"
    page = b.get("/user/ann")
    assert flashes(page.body) == ["Your profile has been updated."]
    assert "Ann Speaker" in page.body and "Lisbon" in page.body
    assert "<p>Line one\nLine two <b>bold</b></p>" in page.body  # Markdown: test_bio_markdown.py
    # The form shows the saved values next time.
    form = b.get("/profile").body
    assert 'value="Ann Speaker"' in form and 'value="Lisbon"' in form


def test_invalid_profile_is_shown_again_as_typed(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    long_name = "N" * 65
    r = b.submit("/profile", "/profile", {"name": long_name, "location": "Porto", "bio": "kept bio"})
    assert r.status == 400
    assert f'value="{long_name}"' in r.body and 'value="Porto"' in r.body and "kept bio" in r.body
    assert "at most 64 characters" in r.body
    # Nothing was saved.
    assert "Porto" not in stack.request("GET", "/user/ann").body


def test_profile_limits_count_characters_not_bytes(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.submit("/profile", "/profile", {"name": "é" * 64, "location": "", "bio": ""})
    assert r.status == 303


def test_hostile_profile_text_is_escaped(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    evil = "x' onmouseover='alert(1)"
    b.submit("/profile", "/profile", {"name": '"><img src=x onerror=alert(1)>', "location": evil, "bio": ""})
    page = stack.request("GET", "/user/ann").body
    assert "<img src=x" not in page and "onmouseover='" not in page


def test_control_characters_in_profile_are_refused(stack):
    stack.adduser("ann@example.com", "ann")
    b = stack.browser()
    b.login("ann@example.com")
    r = b.submit("/profile", "/profile", {"name": "bad\x1b[31m", "location": "", "bio": ""})
    assert r.status == 400 and "not allowed" in r.body
