"""A speaker's bio is Markdown, shown on their page with the comment renderer's rules (SPEC §4:
the same allow-list, links with rel="nofollow ugc noopener", http/https/mailto only, bare URLs
linked); whatever the bio was when it was saved, since it is rendered when shown."""
from stack import speaker

BIO = ("I **love** C.\n\nSee https://example.com/talks and [my site](https://ann.example/) or "
       "[this](javascript:alert(1)).\n\n<script>alert('x')</script><b onclick=\"x()\">bold</b>")


def save_bio(b, bio):
    r = b.submit("/profile", "/profile", {"name": "Ann", "location": "Lisbon", "bio": bio})
    assert r.status == 303, r.body


def test_the_bio_is_rendered_as_markdown_with_the_comment_rules(stack):
    ann = speaker(stack)
    save_bio(ann, BIO)
    page = stack.request("GET", "/user/ann").body
    assert "I <strong>love</strong> C." in page
    assert ('<a href="https://example.com/talks" rel="nofollow ugc noopener">'
            "https://example.com/talks</a>") in page
    assert '<a href="https://ann.example/" rel="nofollow ugc noopener">my site</a>' in page
    assert "javascript:" not in page.split('class="profile-bio')[1]
    assert "<script>alert" not in page and "onclick" not in page
    assert "<b>bold</b>" in page
    # The form still holds the Markdown as typed.
    assert "I **love** C." in ann.get("/profile").body


def test_a_plain_bio_shows_as_before_and_a_new_one_at_once(stack):
    ann = speaker(stack)
    save_bio(ann, "Line one\nLine two")
    page = stack.request("GET", "/user/ann").body
    assert "<p>Line one\nLine two</p>" in page
    save_bio(ann, "Now *changed*")
    assert "Now <em>changed</em>" in stack.request("GET", "/user/ann").body


def test_without_svc_comments_the_bio_is_plain_text(stack):
    ann = speaker(stack)
    save_bio(ann, "I **love** C. <i>x</i>")
    stack.stop("comments")
    r = stack.request("GET", "/user/ann")
    assert r.status == 200
    assert "I **love** C. &lt;i&gt;x&lt;/i&gt;" in r.body and "<strong>" not in r.body
