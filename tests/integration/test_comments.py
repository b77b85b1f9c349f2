"""Comments and moderation: Markdown comments, visitors held for moderation, the speaker's and
admins' moderation (pages, badges, API), the live preview, rate limits and the API's errors."""
import base64
import html
import http.client
import json
import re
import signal
import urllib.parse

from stack import Stack, flashes, freeze, publish, speaker, wait_until

VISITOR = {"name": "Visitor Vic", "email": "vic@example.com", "body": "Great **talk**!", "notify": "on"}


def talk_of(stack):
    """A speaker (ann) with one talk; returns (ann's browser, the talk's path)."""
    ann = speaker(stack, "ann")
    return ann, publish(ann)


def comment(b, talk, **fields):
    return b.submit(talk, talk, fields)


def api_token(stack, email="ann@example.com", password="correct horse"):
    basic = base64.b64encode(f"{email}:{password}".encode()).decode()
    r = stack.request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {basic}"})
    assert r.status == 200, r.body
    body = json.loads(r.body)
    assert body["expires_in"] > 0
    return body["token"]


def api(stack, method, path, token=None, body=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    r = stack.request(method, path, body=data, headers=h)
    return r, (json.loads(r.body) if r.body else None)


def comment_ids(html):
    return [int(x) for x in re.findall(r'<article id="comment-(\d+)"', html)]


def form_key_of(page_html):
    return html.unescape(re.search(r'name="form_key" value="([^"]+)"', page_html).group(1))


def comment_form(b, talk):
    """The comment form's hidden fields as browser b gets them from the talk page."""
    page = b.get(talk).body
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": html.unescape(token), "form_key": form_key_of(page)}


def stored_bodies(stack, talk):
    """Every comment on talk, pending ones included (as its speaker, ann, sees them)."""
    _, body = api(stack, "GET", f"/api/1.0/talks/{talk.rsplit('/', 1)[1]}/comments", api_token(stack))
    return [c["body"] for c in body["comments"]]


def post_with_forwarded_lines(b, path, form, lines):
    """POSTs form as browser b with one X-Forwarded-For header line per entry of lines, in order,
    as HAProxy's `option forwardfor` sends them: its own line after any the client sent."""
    body = urllib.parse.urlencode(form).encode()
    conn = http.client.HTTPConnection("127.0.0.1", b.stack.port, timeout=10)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in b.cookies.items()))
        for line in lines:
            conn.putheader("X-Forwarded-For", line)
        conn.endheaders(body)
        r = conn.getresponse()
        r.body = r.read().decode("utf-8", "replace")
        return r
    finally:
        conn.close()


def test_visitor_comment_waits_for_moderation(stack):
    ann, talk = talk_of(stack)
    vic = stack.browser()
    r = comment(vic, talk, **VISITOR)
    assert r.status == 303 and r.getheader("Location") == talk + "?page=1#own-comments"
    page = vic.get(r.getheader("Location").split("#")[0])
    assert flashes(page.body) == ["Your comment will be published after it is reviewed by the presenter."]
    # Only vic sees it, waiting for review (test_own_comments.py); other visitors do not.
    assert "Waiting for review" in page.body
    assert comment_ids(stack.request("GET", talk).body) == []
    # The speaker sees it inline, with the email and the buttons, and a badge in the navbar.
    mine = ann.get(talk).body
    assert "Great <strong>talk</strong>!" in mine
    assert "mailto:vic@example.com" in mine and "js-comment-approve" in mine
    assert re.search(r'nav-badge[^>]*>1<', mine)


def test_speaker_comment_is_published_at_once_at_its_anchor(stack):
    ann, talk = talk_of(stack)
    r = comment(ann, talk, body="Thanks for coming!")
    loc = r.getheader("Location")
    cid = re.search(r"#comment-(\d+)$", loc).group(1)
    page = ann.get(loc.split("#")[0])
    assert flashes(page.body) == ["Your comment has been published."]
    assert f'id="comment-{cid}"' in stack.request("GET", talk).body


def test_comment_form_errors_are_shown_with_the_text_kept(stack):
    ann, talk = talk_of(stack)
    vic = stack.browser()
    r = comment(vic, talk, name="", email="not-an-email", body="kept **text**", notify="on")
    assert r.status == 400
    assert "Name is required." in r.body and "valid email" in r.body
    assert "kept **text**" in r.body
    r = comment(vic, talk, name="Vic", email="vic@example.com", body="x" * 10001)
    assert r.status == 400 and "at most 10000 characters" in r.body
    r = comment(vic, talk, name="Vic", email="vic@example.com", body="   ")
    assert r.status == 400 and "Comment is required." in r.body
    assert "Great" not in ann.get(talk).body


def test_honeypot_refuses_robots_with_a_message(stack):
    ann, talk = talk_of(stack)
    r = comment(stack.browser(), talk, website="http://spam.test", **VISITOR)
    assert r.status == 400 and "automated" in r.body
    assert "Great" not in ann.get(talk).body


def test_visitors_are_rate_limited_by_address_not_by_header(stack):
    ann, talk = talk_of(stack)
    vic = stack.browser()
    for i in range(5):
        assert comment(vic, talk, **dict(VISITOR, body=f"comment {i}")).status == 303
    token = vic.csrf(talk)
    r = vic.post(talk, dict(VISITOR, body="one too many", csrf_token=token),
                 headers={"X-Forwarded-For": "203.0.113.7"})
    assert r.status == 429 and "too quickly" in r.body
    # Speakers are not limited.
    assert comment(ann, talk, body="still fine").status == 303


def test_behind_a_trusted_proxy_block_each_visitor_has_their_own_limit(tmp_path):
    """TALKS_TRUSTED_PROXY may be a block (a proxy whose address Docker picks): from a peer in
    it, the last X-Forwarded-For hop is the visitor."""
    s = Stack(tmp_path, {"TALKS_TRUSTED_PROXY": "10.0.0.0/8, 127.0.0.0/8"})
    s.start_all()
    try:
        _, talk = talk_of(s)
        vic = s.browser()
        token = vic.csrf(talk)

        def post_as(address, n):
            return vic.post(talk, dict(VISITOR, body=f"comment {n}", csrf_token=token),
                            headers={"X-Forwarded-For": f"198.51.100.1, {address}"}).status

        assert [post_as("203.0.113.7", i) for i in range(6)] == [303] * 5 + [429]
        assert post_as("203.0.113.8", 6) == 303  # another visitor behind the same proxy
    finally:
        assert all(code == 0 for code in s.stop_all().values())


def test_a_spoofed_forwarded_for_line_before_the_proxys_does_not_escape_the_rate_limit(tmp_path):
    """Issue "Second hardening round" #5: only the first X-Forwarded-For line was read, so a
    visitor who sent a line of their own before the proxy's got a new address with each post."""
    s = Stack(tmp_path, {"TALKS_TRUSTED_PROXY": "127.0.0.1"})
    s.start_all()
    try:
        _, talk = talk_of(s)
        vic = s.browser()
        token = vic.csrf(talk)

        def post(n, spoofed, real):
            return post_with_forwarded_lines(vic, talk, dict(VISITOR, body=f"comment {n}", csrf_token=token),
                                             [spoofed, real]).status

        assert [post(i, f"203.0.113.{i}", "198.51.100.7") for i in range(6)] == [303] * 5 + [429]
        assert post(6, "203.0.113.99, 192.0.2.1", "198.51.100.7") == 429
        assert post(7, "203.0.113.99", "198.51.100.8") == 303  # another visitor behind the proxy
    finally:
        codes = s.stop_all()
        assert all(code == 0 for code in codes.values()), codes


def test_the_same_comment_form_sent_twice_stores_one_comment(stack):
    """Issue "Second hardening round" #11 (SPEC §4: a double click or a retry stores one
    comment): both answers send the poster to the one comment."""
    ann, talk = talk_of(stack)
    vic = stack.browser()
    form = dict(VISITOR, **comment_form(vic, talk))
    first, again = vic.post(talk, form), vic.post(talk, form)
    assert first.status == again.status == 303, again.body
    assert first.getheader("Location") == again.getheader("Location")
    assert stored_bodies(stack, talk) == [VISITOR["body"]]
    # The speaker's comment is published: both answers lead to its anchor.
    form = dict(body="Thanks for coming!", **comment_form(ann, talk))
    first, again = ann.post(talk, form), ann.post(talk, form)
    assert re.search(r"#comment-\d+$", first.getheader("Location"))
    assert again.getheader("Location") == first.getheader("Location")
    assert stored_bodies(stack, talk) == [VISITOR["body"], "Thanks for coming!"]


def test_each_rendering_of_the_comment_form_posts_its_own_comment(stack):
    ann, talk = talk_of(stack)
    vic, bob = stack.browser(), stack.browser()
    forms = [comment_form(vic, talk) for _ in range(2)]
    assert forms[0]["form_key"] != forms[1]["form_key"]
    for form in forms:
        assert vic.post(talk, dict(VISITOR, **form)).status == 303
    assert stored_bodies(stack, talk) == [VISITOR["body"]] * 2
    # Another visitor who sends vic's key makes a comment of their own, not vic's again.
    stolen = dict(comment_form(bob, talk), form_key=forms[0]["form_key"])
    r = bob.post(talk, dict(VISITOR, body="bob's", **stolen))
    assert r.status == 303
    assert stored_bodies(stack, talk) == [VISITOR["body"]] * 2 + ["bob's"]
    # A form without a key (an old page, a script) still posts.
    assert vic.post(talk, dict(VISITOR, body="keyless", csrf_token=forms[0]["csrf_token"])).status == 303
    assert stored_bodies(stack, talk)[-1] == "keyless"


def test_a_retry_after_a_503_whose_comment_was_stored_all_the_same_stores_no_second(stack):
    """Issue "Second hardening round" #11: svc-comments stalls with the request already sent,
    the visitor gets a 503, then svc-comments stores the comment all the same; the visitor sends
    the form again."""
    ann, talk = talk_of(stack)
    vic = stack.browser()
    form = dict(VISITOR, **comment_form(vic, talk))
    comments = stack.procs["comments"]
    freeze(comments.pid)
    try:
        r = vic.post(talk, form)
    finally:
        comments.send_signal(signal.SIGCONT)
    assert r.status == 503
    wait_until(lambda: stored_bodies(stack, talk) == [VISITOR["body"]], 10,
               "the comment of the answered-503 post to be stored after all")
    again = vic.post(talk, form)
    assert again.status == 303 and again.getheader("Location") == talk + "?page=1#own-comments"
    assert stored_bodies(stack, talk) == [VISITOR["body"]]


def test_comment_on_unknown_talk_is_404(stack):
    b = stack.browser()
    token = b.csrf("/")
    assert b.post("/talk/999", dict(VISITOR, csrf_token=token)).status == 404


def test_comment_without_csrf_is_refused(stack):
    ann, talk = talk_of(stack)
    b = stack.browser()
    b.get(talk)
    assert b.post(talk, VISITOR).status == 400
    assert "Great" not in ann.get(talk).body


def test_markdown_is_rendered_and_hostile_input_is_inert(stack):
    ann, talk = talk_of(stack)
    evil = ("[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](&#106;avascript:alert(1)) "
            "<script>alert(1)</script> <img src=x onerror=alert(1)> "
            "![a](javascript:alert(1)) https://example.com/ok *em*")
    comment(ann, talk, body=evil)
    body = stack.request("GET", talk).body
    section = body[body.index('id="comments"'):]
    assert not re.search(r'href="\s*(javascript|data|vbscript)', section, re.I)
    assert "<script>alert" not in section and "<img" not in section
    assert not re.search(r"<[^>]*\son\w+=", section)  # no event handler inside any tag
    assert '<a href="https://example.com/ok" rel="nofollow ugc noopener">' in section
    assert "<em>em</em>" in section


def test_preview_is_byte_for_byte_what_is_stored(stack):
    ann, talk = talk_of(stack)
    text = "Hello **world**, see https://example.com and `code`\n\n- one\n- two\n\n> quote"
    token = ann.csrf(talk)
    r = ann.request("POST", "/api/1.0/preview", raw_body=json.dumps({"body": text}),
                    headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert r.status == 200
    html = json.loads(r.body)["html"]
    comment(ann, talk, body=text)
    assert html in ann.get(talk).body


def test_raw_html_of_the_allow_list_is_bold_on_the_page_and_in_the_preview_alike(stack):
    ann, talk = talk_of(stack)
    text = ('<b>raw</b> <abbr title="HyperText" onclick=alert(1)>HTML</abbr> '
            '<a href="https://example.com/r" onmouseover=alert(1)>r</a> '
            '<a href="JaVaScRiPt:alert(1)">j</a> <img src=x onerror=alert(1)> <i>open')
    token = ann.csrf(talk)
    r = ann.request("POST", "/api/1.0/preview", raw_body=json.dumps({"body": text}),
                    headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert r.status == 200
    html = json.loads(r.body)["html"]
    assert html == ('<p><b>raw</b> <abbr title="HyperText">HTML</abbr> '
                    '<a href="https://example.com/r" rel="nofollow ugc noopener">r</a> j  '
                    '<i>open</i></p>\n')
    comment(ann, talk, body=text)
    section = ann.get(talk).body
    section = section[section.index('id="comments"'):]
    assert html in section
    assert "&lt;b&gt;" not in section and "<img" not in section
    assert not re.search(r"<[^>]*\son\w+=", section)


def test_visitors_can_preview_but_only_with_the_page_token(stack):
    ann, talk = talk_of(stack)
    vic = stack.browser()
    token = vic.csrf(talk)
    ok = vic.request("POST", "/api/1.0/preview", raw_body='{"body": "*hi*"}',
                     headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert ok.status == 200 and json.loads(ok.body)["html"] == "<p><em>hi</em></p>\n"
    bad = vic.request("POST", "/api/1.0/preview", raw_body='{"body": "*hi*"}',
                      headers={"Content-Type": "application/json"})
    assert bad.status == 401 and json.loads(bad.body)["status"] == "unauthorized"


def test_api_approve_with_a_token(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    cid = comment_ids(ann.get(talk).body)[0]
    token = api_token(stack)
    r, body = api(stack, "PUT", f"/api/1.0/comments/{cid}", token)
    assert r.status == 200 and body == {"status": "ok"}
    assert "Great <strong>talk</strong>!" in stack.request("GET", talk).body
    r, body = api(stack, "PUT", f"/api/1.0/comments/{cid}", token)
    assert r.status == 400 and body["status"] == "bad request"
    r, body = api(stack, "PUT", "/api/1.0/comments/99999", token)
    assert r.status == 404 and body["status"] == "not found"


def test_token_in_a_json_body_is_accepted_for_compatibility(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    cid = comment_ids(ann.get(talk).body)[0]
    r, body = api(stack, "PUT", f"/api/1.0/comments/{cid}", body={"token": api_token(stack)})
    assert r.status == 200


def test_other_speakers_cannot_moderate(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    cid = comment_ids(ann.get(talk).body)[0]
    speaker(stack, "bob")
    token = api_token(stack, "bob@example.com")
    for method in ("PUT", "DELETE"):
        r, body = api(stack, method, f"/api/1.0/comments/{cid}", token)
        assert r.status == 403 and body["message"] == "You cannot modify this comment."
    assert comment_ids(ann.get(talk).body) == [cid]


def test_admin_moderates_everything(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    root = speaker(stack, "root", admin=True)
    assert "Great" in root.get("/moderate-admin").body
    cid = comment_ids(root.get(talk).body)[0]
    token = api_token(stack, "root@example.com")
    assert api(stack, "DELETE", f"/api/1.0/comments/{cid}", token)[0].status == 200
    assert comment_ids(ann.get(talk).body) == []


def test_page_buttons_work_with_the_session_and_csrf_header(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    cid = comment_ids(ann.get(talk).body)[0]
    token = ann.csrf(talk)
    r = ann.request("PUT", f"/api/1.0/comments/{cid}", headers={"X-CSRF-Token": "A" * 43})
    assert r.status == 401
    r = ann.request("PUT", f"/api/1.0/comments/{cid}")
    assert r.status == 401 and json.loads(r.body)["message"] == "Authentication token not provided."
    r = ann.request("PUT", f"/api/1.0/comments/{cid}", headers={"X-CSRF-Token": token})
    assert r.status == 200
    # An approved comment can be deleted too.
    r = ann.request("DELETE", f"/api/1.0/comments/{cid}", headers={"X-CSRF-Token": token})
    assert r.status == 200
    assert comment_ids(stack.request("GET", talk).body) == []


def test_api_token_errors(stack):
    ann, talk = talk_of(stack)
    r, body = api(stack, "PUT", "/api/1.0/comments/1", "not-a-real-token")
    assert r.status == 401 and body["message"] == "Invalid authentication token."
    basic = base64.b64encode(b"ann@example.com:wrong").decode()
    r = stack.request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {basic}"})
    assert r.status == 401 and json.loads(r.body)["status"] == "unauthorized"
    r = stack.request("POST", "/api/1.0/tokens")
    assert r.status == 401 and r.getheader("WWW-Authenticate")


def test_api_rejects_malformed_json_and_wrong_content_types(stack):
    ann, talk = talk_of(stack)
    csrf = ann.csrf(talk)
    r = ann.request("POST", "/api/1.0/preview", raw_body="{not json",
                    headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert r.status == 400 and json.loads(r.body)["message"].startswith("Malformed JSON")
    r = ann.request("POST", "/api/1.0/preview", raw_body="body=x",
                    headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf})
    assert r.status == 415 and json.loads(r.body)["status"] == "unsupported media type"
    r = ann.request("POST", "/api/1.0/preview", raw_body="[1, 2]",
                    headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert r.status == 400
    r = stack.request("PATCH", "/api/1.0/comments/1")
    assert r.status == 405 and json.loads(r.body)["status"] == "method not allowed"


def test_api_lists_a_talks_comments_with_pending_only_for_its_speaker(stack):
    ann, talk = talk_of(stack)
    talk_id = talk.rsplit("/", 1)[1]
    comment(ann, talk, body="published")
    comment(stack.browser(), talk, **VISITOR)
    r, anon = api(stack, "GET", f"/api/1.0/talks/{talk_id}/comments")
    assert r.status == 200 and [c["body"] for c in anon["comments"]] == ["published"]
    assert all("email" not in c for c in anon["comments"])
    r, mine = api(stack, "GET", f"/api/1.0/talks/{talk_id}/comments", api_token(stack))
    assert [c["body"] for c in mine["comments"]] == ["published", "Great **talk**!"]
    assert mine["comments"][1]["email"] == "vic@example.com" and mine["comments"][1]["pending"]
    assert api(stack, "GET", "/api/1.0/talks/999/comments")[0].status == 404


def test_moderation_pages(stack):
    ann, talk = talk_of(stack)
    comment(stack.browser(), talk, **VISITOR)
    page = ann.get("/moderate").body
    assert "Great" in page and "Fearless C" in page and "js-comment-approve" in page
    assert ann.get("/moderate-admin").status == 403
    bob = speaker(stack, "bob")
    assert "Great" not in bob.get("/moderate").body
    assert stack.browser().get("/moderate").status == 302


def test_comments_are_numbered_oldest_first_and_paginated(stack, tmp_path):
    stack.stop_all()
    from stack import Stack
    (tmp_path / "paged").mkdir()
    s = Stack(tmp_path / "paged", extra_env={"COMMENTS_PER_PAGE": "2"})
    s.start_all()
    try:
        ann, talk = talk_of(s)
        for i in range(5):
            loc = comment(ann, talk, body=f"note {i}").getheader("Location")
        assert loc.startswith(talk + "?page=3#comment-")
        first = s.request("GET", talk).body
        assert re.findall(r"note (\d)", first) == ["0", "1"]
        assert "#1" in first and "#2" in first
        third = s.request("GET", talk + "?page=3").body
        assert re.findall(r"note (\d)", third) == ["4"] and "#5" in third
        assert s.request("GET", talk + "?page=99").status == 200
        home = s.request("GET", "/").body
        assert re.search(r">\s*5\s*<span class=\"visually-hidden\"> comments", home)
    finally:
        s.stop_all()


def test_talk_page_works_while_comments_are_down(stack):
    ann, talk = talk_of(stack)
    stack.stop("comments")
    r = stack.request("GET", talk)
    assert r.status == 200 and "Fearless C" in r.body
    assert stack.request("GET", "/").status == 200
    assert ann.get("/profile").status == 200  # the badge lookup fails quietly


def test_comments_on_a_known_talk_need_no_svc_talks_call(stack):
    """A talk's speaker never changes, so the gateway asks svc-talks for it once."""
    _, talk = talk_of(stack)
    vic = stack.browser()
    token = vic.csrf(talk)
    assert vic.post(talk, dict(VISITOR, csrf_token=token)).status == 303
    asked = stack.log("talks").count("op=talks.get ")
    for n in range(3):
        assert vic.post(talk, dict(VISITOR, body=f"Comment {n}", csrf_token=token)).status == 303
    assert stack.log("talks").count("op=talks.get ") == asked
    # The comments still reach the speaker's moderation queue, on the right talk.
    token = api_token(stack)
    _, body = api(stack, "GET", f"/api/1.0/talks/{talk.rsplit('/', 1)[1]}/comments", token)
    assert len(body["comments"]) == 4
