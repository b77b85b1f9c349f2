"""Live comments (GET /talk/<id>/live, SPEC section 4): Server-Sent Events read by a raw HTTP
client — each comment that becomes visible, with the HTML the talk page shows; pending ones only
to the speaker (and the navbar badge); Last-Event-ID resumes without gaps or repeats; the caps,
the heartbeat, and a gateway stop that does not wait for open streams."""
import contextlib
import html
import json
import os
import re
import socket
import sqlite3
import time

import pytest

from stack import Stack, publish, speaker, wait_until

VISITOR = {"name": "Visitor Vic", "email": "vic@example.com", "body": "Held *for* review",
           "notify": "on"}


class Live:
    """One event stream over a plain socket: the response head, then the chunked body parsed
    into events as they arrive. event() waits (on the socket, no sleeping) for the next one."""

    def __init__(self, stack, path, cookies=None, last_id=None, headers=None, timeout=10,
                 small_buffers=False):
        # small_buffers: for a client that will not read, so that the kernel holds little of
        # what the server sends it: a small receive buffer, and small segments, which keep the
        # server's send buffer small too (both set before connecting, when they count).
        self.sock = socket.socket()
        if small_buffers:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", stack.port))
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{stack.port}",
                 "Accept: text/event-stream"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if last_id is not None:
            lines.append(f"Last-Event-ID: {last_id}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        while b"\r\n\r\n" not in self.raw:
            self._recv()
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        head = head.decode()
        self.status = int(head.split()[1])
        self.headers = {k.lower(): v.strip() for k, v in
                        (line.split(":", 1) for line in head.split("\r\n")[1:])}
        self.text = ""  # the body, de-chunked, not yet read as events
        self.ended = False
        self.comments = []  # ": …" lines seen

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server closed the stream")
        self.raw += data

    def _dechunk(self):
        while not self.ended and b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            if size == 0:
                self.ended = True
                return
            self.text += rest[:size].decode()
            self.raw = rest[size + 2:]

    def event(self):
        """The next event with data: {"id", "event", "data"}; comments are kept aside."""
        while True:
            self._dechunk()
            while "\n\n" in self.text:
                block, self.text = self.text.split("\n\n", 1)
                ev = {"id": None, "event": "message", "data": None}
                for line in block.split("\n"):
                    if line.startswith(":"):
                        self.comments.append(line)
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "data":
                        ev["data"] = value
                    elif field in ("id", "event"):
                        ev[field] = value
                if ev["data"] is not None:
                    return ev
            if self.ended:
                raise EOFError("the stream ended")
            self._recv()

    def comment_event(self):
        ev = self.event()
        while ev["event"] != "message":
            ev = self.event()
        data = json.loads(ev["data"])
        return int(ev["id"]), data["id"], data["html"]

    def heartbeat(self):
        """Reads until a comment line (the heartbeat) has come, and returns it."""
        while True:
            self._dechunk()
            lines = [line for line in self.text.split("\n") if line.startswith(":")]
            if lines:
                return lines[0]
            self._recv()

    def close(self):
        self.sock.close()


def talk_id(path):
    return int(re.search(r"/talk/(\d+)", path).group(1))


def normalised(fragment):
    return "\n".join(line.strip() for line in fragment.strip().splitlines())


def article(page, comment_id):
    m = re.search(rf'<article id="comment-{comment_id}".*?</article>', page, re.S)
    assert m, f"comment {comment_id} is not on the page"
    return m.group(0)


def post(b, talk, body, **fields):
    r = b.submit(talk, talk, dict(fields, body=body))
    assert r.status == 303, r.body
    return int(re.search(r"#comment-(\d+)", r.getheader("Location")).group(1)) \
        if "#comment-" in r.getheader("Location") else None


def post_as(b, talk, token, body):
    """post() with a CSRF token already in hand: the talk page, with many large comments on it,
    is not asked for again."""
    r = b.post(talk, {"body": body, "csrf_token": token})
    assert r.status == 303, r.body
    return int(re.search(r"#comment-(\d+)", r.getheader("Location")).group(1))


def test_published_comment_arrives_with_the_pages_html(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    bob = speaker(stack, "bob")
    page = stack.browser().get(talk).body
    m = re.search(r'data-live-url="([^"]+)" data-live-after="(\d+)"', page)
    assert m and m.group(1) == f"{talk}/live"
    visitor = Live(stack, f"{m.group(1)}?after={m.group(2)}")
    assert visitor.status == 200
    assert visitor.headers["content-type"].startswith("text/event-stream")
    assert "no-store" in visitor.headers["cache-control"]

    cid = post(bob, talk, "Hello **live**")
    seq, sent_id, fragment = visitor.comment_event()
    assert sent_id == cid and seq > 0
    assert "<strong>live</strong>" in fragment
    shown = stack.browser().get(talk).body  # what a visitor's page shows for it
    assert normalised(fragment) == normalised(article(shown, cid))
    visitor.close()


def test_pending_comments_go_to_the_speaker_only(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    visitor = Live(stack, f"{talk}/live")
    own = Live(stack, f"{talk}/live", cookies=ann.cookies)
    assert visitor.status == own.status == 200

    guest = stack.browser()
    guest.submit(talk, talk, VISITOR)  # held for moderation
    events = {e["event"]: e for e in (own.event(), own.event())}  # in either order
    assert json.loads(events["badge"]["data"]) == {"pending": 1}
    pending = json.loads(events["message"]["data"])
    pending_id, fragment = pending["id"], pending["html"]
    assert "Waiting for moderation" in fragment and "vic@example.com" in fragment
    assert f'action="/comment/{pending_id}/approve"' in fragment

    # The visitor's stream skips it: the next thing it gets is the speaker's own comment.
    cid = post(ann, talk, "Thanks for coming")
    _, sent_id, fragment = visitor.comment_event()
    assert sent_id == cid and "vic@example.com" not in fragment
    assert own.comment_event()[1] == cid

    # Approved, it becomes visible: now the visitor gets it, still without the email.
    r = ann.submit(talk, f"/comment/{pending_id}/approve", {"next": talk})
    assert r.status == 303
    _, sent_id, fragment = visitor.comment_event()
    assert sent_id == pending_id
    assert "Waiting for moderation" not in fragment and "vic@example.com" not in fragment
    visitor.close()
    own.close()


def test_last_event_id_resumes_without_gaps_or_repeats(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    live = Live(stack, f"{talk}/live")
    first = post(ann, talk, "one")
    seq, sent, _ = live.comment_event()
    assert sent == first
    live.close()

    missed = [post(ann, talk, "two"), post(ann, talk, "three")]
    again = Live(stack, f"{talk}/live", last_id=seq)
    got = [again.comment_event() for _ in missed]
    assert [g[1] for g in got] == missed
    assert got[0][0] > seq and got[1][0] > got[0][0]
    later = post(ann, talk, "four")
    assert again.comment_event()[1] == later  # nothing sent twice in between
    again.close()


def test_a_place_older_than_the_changes_kept_has_the_page_reload(stack):
    """svc-comments prunes old change numbers (svc-comments/prune.h); a stream resuming from
    before the oldest one kept cannot be sent what it missed, so it is told to reload, and then
    goes on from now."""
    ann = speaker(stack, "ann")
    talk = publish(ann)
    live = Live(stack, f"{talk}/live")
    post(ann, talk, "one")
    first = live.comment_event()[0]
    post(ann, talk, "two")
    second = live.comment_event()[0]
    live.close()
    # What the pruner does once those rows are old enough: the oldest go, the newest stays.
    with sqlite3.connect(os.path.join(stack.real_data_dir, "comments.db"), timeout=10) as db:
        db.execute("DELETE FROM live WHERE seq < ?", (second,))
    again = Live(stack, f"{talk}/live", last_id=first - 1)
    ev = again.event()
    assert ev["event"] == "reload" and int(ev["id"]) >= second and json.loads(ev["data"]) == {}
    later = post(ann, talk, "three")
    assert again.comment_event()[1] == later
    again.close()
    # A place from which nothing went resumes as before.
    kept = Live(stack, f"{talk}/live", last_id=second - 1)
    assert kept.comment_event()[0] == second
    kept.close()


def test_unknown_talk_and_bad_place(stack):
    assert stack.request("GET", "/talk/999/live").status == 404
    assert stack.request("GET", "/talk/abc/live").status == 404
    ann = speaker(stack, "ann")
    talk = publish(ann)
    # A Last-Event-ID that is no number counts as none: the stream starts from now.
    live = Live(stack, f"{talk}/live", last_id="12; DROP")
    assert live.status == 200
    cid = post(ann, talk, "from now")
    assert live.comment_event()[1] == cid
    live.close()


def ends(live):
    """True once the server has ended the stream (its last chunk, or the socket closed)."""
    try:
        while True:
            live.event()
    except EOFError:
        return True


def test_caps_per_address_and_in_all(tmp_path):
    # A short heartbeat: a stream whose client left is noticed when writing to it fails.
    s = Stack(tmp_path, {"TALKS_LIVE_STREAMS": "3", "TALKS_LIVE_STREAMS_PER_ADDR": "2",
                         "TALKS_TRUSTED_PROXY": "127.0.0.1", "TALKS_LIVE_HEARTBEAT_MS": "200"})
    s.start_all()
    try:
        ann = speaker(s, "ann")
        talk = publish(ann)

        def open_from(addr):
            return Live(s, f"{talk}/live", headers={"X-Forwarded-For": addr})

        a1, a2 = open_from("10.0.0.1"), open_from("10.0.0.1")
        assert a1.status == a2.status == 200
        # A third from that address (a visitor who reloads) opens, and its oldest ends.
        a3 = open_from("10.0.0.1")
        assert a3.status == 200
        assert ends(a1)
        opened = []

        def opens(addr):
            live = open_from(addr)
            if live.status == 200:
                opened.append(live)
            else:
                live.close()
            return live.status == 200

        # a1 leaves the count once h2o has written its last chunk: the third slot is free.
        wait_until(lambda: opens("10.0.0.2"), 10, "the slot of the ended stream")
        b1 = opened[-1]
        c1 = open_from("10.0.0.3")
        assert c1.status == 503 and c1.headers["retry-after"]
        # The streams of 10.0.0.1 still open are a2 and a3: they get the next comment.
        cid = post(ann, talk, "for the two left open")
        assert a2.comment_event()[1] == a3.comment_event()[1] == cid
        b1.close()
        # Its slot comes back once the gateway sees it gone (at its next heartbeats).
        wait_until(lambda: open_from("10.0.0.3").status == 200, 10, "a freed slot")
    finally:
        codes = s.stop_all()
    assert codes["gateway"] == 0


BIG = '"' * 9990  # a comment whose event is over 60 kB: each '"' is &quot; in its html


def kernel_can_hold():
    """The most the kernel may buffer of one connection's output, whatever its segments: the
    sender's largest send buffer and the receiver's default receive buffer."""
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        wmem_max = int(f.read().split()[2])
    with open("/proc/sys/net/ipv4/tcp_rmem") as f:
        rmem_default = int(f.read().split()[1])
    return wmem_max + rmem_default


class Streams:
    """Opens streams of one talk as several client addresses (the stack trusts 127.0.0.1's
    X-Forwarded-For) and keeps those that opened."""

    def __init__(self, stack, talk):
        self.stack, self.talk, self.opened = stack, talk, []

    def open(self, addr, **kw):
        return Live(self.stack, f"{self.talk}/live", headers={"X-Forwarded-For": addr}, **kw)

    def opens(self, addr, **kw):
        live = self.open(addr, **kw)
        if live.status == 200:
            self.opened.append(live)
        else:
            live.close()
        return live.status == 200

    def close(self):
        for live in self.opened:
            live.close()


@contextlib.contextmanager
def capped_streams(tmp_path):
    """A stack that allows 4 streams, 2 per client address (given by X-Forwarded-For from the
    trusted proxy), with ann's talk: yields (ann, talk, Streams on it); the gateway must then stop
    cleanly, whatever its streams' clients did."""
    s = Stack(tmp_path, {"TALKS_LIVE_STREAMS": "4", "TALKS_LIVE_STREAMS_PER_ADDR": "2",
                         "TALKS_TRUSTED_PROXY": "127.0.0.1"})
    s.start_all()
    streams = None
    try:
        ann = speaker(s, "ann")
        talk = publish(ann)
        streams = Streams(s, talk)
        yield ann, talk, streams
    finally:
        if streams:
            streams.close()
        codes = s.stop_all()
    assert codes["gateway"] == 0


def test_streams_ended_for_an_address_cap_leave_at_once(tmp_path):
    # An address at its cap has its oldest stream ended for its new one. One whose client does
    # not read must go at once: were it to stay until its client reads, holding one of the
    # slots in all, such an address could take them all.
    with capped_streams(tmp_path) as (ann, talk, streams):
        for addr in ("10.0.0.1", "10.0.0.1"):  # they never read
            assert streams.opens(addr, small_buffers=True)
        assert streams.opens("10.0.0.3")  # reads: says when the comments have been sent
        reader = streams.opened[-1]
        # Two comments, more than the kernel holds for the two that do not read: the gateway's
        # writes to them wait (less than the 512 kB after which it ends them itself).
        token = ann.csrf(talk)
        for i in range(2):
            post_as(ann, talk, token, f"{BIG} {i}")
        for _ in range(2):
            reader.comment_event()
        assert streams.opens("10.0.0.1", small_buffers=True)  # its oldest ends
        wait_until(lambda: streams.opens("10.0.0.2"), 10, "a stream for 10.0.0.2, not a 503")
        cid = post_as(ann, talk, token, "for 10.0.0.2")
        assert streams.opened[-1].comment_event()[1] == cid


def test_an_address_that_never_reads_cannot_take_every_slot(tmp_path):
    # Streams whose client stops reading are ended once 512 kB wait for it, and go at once:
    # they do not stay behind, each holding a slot of the four, until their client reads.
    with capped_streams(tmp_path) as (ann, talk, streams):
        for addr in ("10.0.0.1", "10.0.0.1"):  # they never read
            assert streams.opens(addr, small_buffers=True)
        # Comments whose events are more than the kernel could hold for them, and 512 kB more.
        token = ann.csrf(talk)
        for i in range((kernel_can_hold() + 512 * 1024) // (6 * len(BIG)) + 2):
            post_as(ann, talk, token, f"{BIG} {i}")
        # Two more from that address, which does not read either.
        for _ in range(2):
            wait_until(lambda: streams.opens("10.0.0.1", small_buffers=True), 10,
                       "a stream for 10.0.0.1")
        wait_until(lambda: streams.opens("10.0.0.2"), 10, "a stream for 10.0.0.2, not a 503")
        cid = post_as(ann, talk, token, "for 10.0.0.2")
        assert streams.opened[-1].comment_event()[1] == cid


@pytest.mark.parametrize("method, path, status", [("GET", "/talk/999999/live", 404),
                                                  ("HEAD", "{talk}/live", 200)])
def test_a_request_that_opens_no_stream_ends_none(tmp_path, method, path, status):
    # One stream per address: a request that counted as a new stream would end the open one.
    s = Stack(tmp_path, {"TALKS_LIVE_STREAMS_PER_ADDR": "1"})
    s.start_all()
    try:
        ann = speaker(s, "ann")
        talk = publish(ann)
        live = Live(s, f"{talk}/live")
        assert live.status == 200
        path = path.format(talk=talk)
        assert s.request(method, path).status == status
        cid = post(ann, talk, "after the request")
        try:
            got = live.comment_event()[1]
        except EOFError:
            raise AssertionError(f"{method} {path} ended the open stream") from None
        assert got == cid
        live.close()
    finally:
        codes = s.stop_all()
    assert codes["gateway"] == 0


def test_heartbeat(tmp_path):
    s = Stack(tmp_path, {"TALKS_LIVE_HEARTBEAT_MS": "200"})
    s.start_all()
    try:
        talk = publish(speaker(s, "ann"))
        live = Live(s, f"{talk}/live")
        assert live.heartbeat() == ": "
        live.close()
    finally:
        s.stop_all()


def test_stop_closes_streams_at_once(stack):
    talk = publish(speaker(stack, "ann"))
    streams = [Live(stack, f"{talk}/live") for _ in range(3)]
    started = time.monotonic()
    code = stack.stop("gateway")
    assert code == 0
    assert time.monotonic() - started < 5  # not the 10 s grace for requests in flight
    for live in streams:
        try:
            while True:
                live.event()
        except EOFError:
            pass
        assert live.ended, "each stream got its last chunk, not a reset"
    stack.start("gateway")
    wait_until(lambda: stack.healthy(), 15, "the gateway to come back")
