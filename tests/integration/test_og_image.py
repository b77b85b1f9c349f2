"""A shared talk link shows a picture: the talk page's og:image is the talk's own card, a PNG the
gateway draws (title, speaker, venue, date) and serves from our origin (issue 21)."""
import http.client
import re
import struct

from stack import publish, speaker


def meta(page, prop):
    m = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', page)
    return m and m.group(1)


def get_bytes(stack, path):
    """The response and its body as bytes (stack.request decodes bodies as text)."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r, r.read()
    finally:
        conn.close()


def test_a_talk_page_names_its_card_and_the_card_is_a_png(stack):
    b = speaker(stack)
    talk = publish(b, title="Fearless C: safe, fast and boring")
    page = stack.request("GET", talk).body
    image = meta(page, "og:image")
    base = f"http://127.0.0.1:{stack.port}"  # TALKS_PUBLIC_URL's default
    assert image == f"{base}{talk}/card.png"
    assert meta(page, "og:image:width") == "1200" and meta(page, "og:image:height") == "630"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == image

    r, data = get_bytes(stack, image[len(base):])
    assert r.status == 200
    assert r.getheader("Content-Type") == "image/png"
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert "max-age" in r.getheader("Cache-Control") and "no-store" not in r.getheader("Cache-Control")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1200, 630)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert int(r.getheader("Content-Length")) == len(data)


def test_a_changed_title_changes_the_card(stack):
    b = speaker(stack)
    talk = publish(b)
    talk_id = talk.rsplit("/", 1)[1]

    def card():
        return get_bytes(stack, f"{talk}/card.png")[1]

    before = card()
    r = b.submit(f"/edit/{talk_id}", f"/edit/{talk_id}",
                 dict(title="Another title altogether", description="", slides="", video="",
                      venue="FOSDEM", venue_url="", date="2024-02-03"))
    assert r.status == 303, r.body
    assert card() != before


def test_an_unknown_talk_has_no_card(stack):
    for path in ("/talk/999/card.png", "/talk/abc/card.png", "/talk/0/card.png"):
        r = stack.request("GET", path)
        assert r.status == 404, path
        assert r.getheader("Content-Type").startswith("text/html")


def test_pages_without_a_talk_keep_the_small_card(stack):
    page = stack.request("GET", "/").body
    assert meta(page, "og:image") is None
    assert meta(page, "twitter:card") in (None, "summary")
