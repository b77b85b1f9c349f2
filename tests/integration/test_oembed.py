"""A Speaker Deck, SlideShare or Notist deck page pasted as slides becomes that provider's player:
svc-talks asks the provider's oEmbed endpoint once, when the talk is saved, and keeps the player's
URL; whatever the provider does wrong leaves a link (SPEC section 4). The providers are a fake
one on 127.0.0.1 (TALKS_OEMBED_ENDPOINTS, honoured with TALKS_ENV=testing only)."""
import html
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stack import Stack, publish, speaker

DECK = "0123456789abcdef0123456789abcdef"
SD_PLAYER = f"https://speakerdeck.com/player/{DECK}"
SS_PLAYER = "https://www.slideshare.net/slideshow/embed_code/key/AbC123xyz"
NOTIST_PLAYER = "https://noti.st/akrabat/3fdyeY/embed"


def iframe(src):
    return json.dumps({"type": "rich", "version": "1.0", "title": "A talk",
                       "html": f'<iframe src="{src}" width="710" onload="alert(1)"></iframe>'})


class FakeProvider:
    """Answers <base>/<provider>?url=<page> from self.answers[page]: a JSON text, or a callable
    given the handler. Every request is recorded as (path, page)."""

    def __init__(self):
        self.answers, self.asked = {}, []
        self.release = threading.Event()  # a slow answer waits for this
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                page = urllib.parse.parse_qs(parts.query).get("url", [""])[0]
                fake.asked.append((parts.path, page))
                answer = fake.answers.get(page)
                if callable(answer):
                    return answer(self)
                body = (answer or "").encode()
                self.send_response(200 if answer else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    p = FakeProvider()
    yield p
    p.close()


@pytest.fixture
def oembed_stack(tmp_path, provider):
    s = Stack(tmp_path, extra_env={"TALKS_OEMBED_ENDPOINTS": provider.base})
    s.start_all()
    yield s
    s.stop_all_cleanly()


def frames(page):
    return re.findall(r'<iframe src="([^"]*)"', page)


def links(page):
    """The plain media links: (href, title) of each talk-media-link."""
    return [(html.unescape(href), re.sub(r"\s+", " ", title).strip())
            for href, title in re.findall(
                r'<a class="talk-media-link" href="([^"]*)".*?talk-media-link-title">(.*?)</span>',
                page, re.S)]


@pytest.mark.parametrize("name, page_url, answer, player, title", [
    ("speakerdeck", "https://speakerdeck.com/ann/fearless-c",
     json.dumps({"html": f'<iframe class="speakerdeck-iframe" src="//speakerdeck.com/player/{DECK}">'
                         "</iframe>"}), SD_PLAYER, "Speaker Deck"),
    ("slideshare", "https://www.slideshare.net/ann/fearless-c", iframe(SS_PLAYER), SS_PLAYER,
     "SlideShare"),
    ("notist", "https://noti.st/akrabat/3fdyeY/capturing-light",
     json.dumps({"html": '<p data-notist="akrabat/3fdyeY">View <a href="https://noti.st/akrabat/'
                         '3fdyeY">Capturing Light</a> on Notist.</p><script async '
                         'src="https://on.notist.cloud/embed/002.js"></script>'}),
     NOTIST_PLAYER, "Notist"),
], ids=["speakerdeck", "slideshare", "notist"])
def test_a_deck_page_becomes_its_providers_player(oembed_stack, provider, name, page_url, answer,
                                                  player, title):
    provider.answers[page_url] = answer
    b = speaker(oembed_stack)
    talk = publish(b, slides=page_url)
    page = b.get(talk).body
    assert frames(page) == [player]
    assert f'<a href="{page_url}" rel="nofollow noopener">Open on {title}</a>' in page
    assert "alert(1)" not in page and "speakerdeck-iframe" not in page
    # Asked once, at its own endpoint, with the page's address; a view never calls out.
    assert provider.asked == [(f"/{name}", page_url)]
    assert frames(oembed_stack.request("GET", talk).body) == [player]
    assert len(provider.asked) == 1


def test_an_edit_asks_again_and_an_odd_answer_leaves_a_link(oembed_stack, provider):
    page_url = "https://speakerdeck.com/ann/fearless-c"
    b = speaker(oembed_stack)
    talk = publish(b, slides=page_url)  # the provider answers 404: a link
    page = b.get(talk).body
    assert frames(page) == [] and links(page) == [(page_url, "View on Speaker Deck")]
    provider.answers[page_url] = iframe(SD_PLAYER)
    talk_id = talk.rsplit("/", 1)[1]
    form = dict(title="Fearless C", description="", slides=page_url, video="", venue="FOSDEM",
                venue_url="", date="2024-02-03")
    r = b.submit(f"/edit/{talk_id}", f"/edit/{talk_id}", form)
    assert r.status == 303, r.body
    assert frames(b.get(talk).body) == [SD_PLAYER]
    assert len(provider.asked) == 2


@pytest.mark.parametrize("answer", [
    iframe("https://evil.example/player/x"),                      # off the provider table
    iframe("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),  # another provider's player
    iframe(f"http://speakerdeck.com/player/{DECK}") + "trailing",   # not JSON
    json.dumps({"url": SD_PLAYER}),                              # no html
    iframe(SD_PLAYER)[:-1] + ', "pad": "' + "x" * 70000 + '"}',   # over 64 KiB
], ids=["off-table", "other-provider", "not-json", "no-html", "too-big"])
def test_an_answer_off_the_table_or_too_big_leaves_a_link(oembed_stack, provider, answer):
    page_url = "https://speakerdeck.com/ann/fearless-c"
    provider.answers[page_url] = answer
    b = speaker(oembed_stack)
    page = b.get(publish(b, slides=page_url)).body
    assert frames(page) == []
    assert links(page) == [(page_url, "View on Speaker Deck")]
    assert "evil.example" not in page and "youtube" not in page


def test_a_redirect_is_not_followed(oembed_stack, provider):
    page_url = "https://speakerdeck.com/ann/fearless-c"
    elsewhere = "https://speakerdeck.com/ann/elsewhere"
    provider.answers[elsewhere] = iframe(SD_PLAYER)

    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "/speakerdeck?url=" + urllib.parse.quote(elsewhere))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    provider.answers[page_url] = redirect
    b = speaker(oembed_stack)
    page = b.get(publish(b, slides=page_url)).body
    assert frames(page) == [] and links(page) == [(page_url, "View on Speaker Deck")]
    assert [page for _, page in provider.asked] == [page_url]


def test_a_broken_or_slow_provider_costs_a_bounded_delay_and_the_save_succeeds(oembed_stack,
                                                                               provider):
    broken, slow = "https://noti.st/ann/AbC123", "https://speakerdeck.com/ann/slow"

    def reset(handler):  # the connection closed with a reset, no answer
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True

    def hang(handler):  # no answer until the save is done
        provider.release.wait(10)

    provider.answers[broken], provider.answers[slow] = reset, hang
    b = speaker(oembed_stack)
    start = time.monotonic()
    talk = publish(b, slides=broken, video=slow)
    took = time.monotonic() - start
    provider.release.set()
    assert took < 1.45, took  # one budget of 1 s for both lookups, under the bus deadline
    page = b.get(talk).body
    assert frames(page) == []
    assert sorted(links(page)) == [(broken, "View on Notist"), (slow, "View on Speaker Deck")]
    assert [page for _, page in provider.asked] == [broken, slow]


def test_a_provider_that_cannot_be_reached_leaves_a_link(tmp_path):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    s = Stack(tmp_path, extra_env={"TALKS_OEMBED_ENDPOINTS": f"http://127.0.0.1:{dead.getsockname()[1]}"})
    s.start_all()
    try:
        b = speaker(s)
        page_url = "https://www.slideshare.net/ann/fearless-c"
        page = b.get(publish(b, slides=page_url)).body
        assert frames(page) == [] and links(page) == [(page_url, "View on SlideShare")]
        assert "oEmbed: no slideshare player" in s.log("talks")
    finally:
        dead.close()
        s.stop_all_cleanly()


def test_a_pdf_is_the_slides_only_in_the_slides_field(stack):
    b = speaker(stack)
    page = b.get(publish(b, slides="https://example.com/deck.PDF",
                         video="https://example.com/recording.pdf")).body
    assert frames(page) == []
    assert sorted(links(page)) == [("https://example.com/deck.PDF", "Open the slides (PDF)"),
                                   ("https://example.com/recording.pdf", "Open the link")]
