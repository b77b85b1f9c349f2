"""Moderation without JavaScript: the Approve and Delete forms of the talk and moderation pages
(POST /comment/<id>/approve and /comment/<id>/delete), as a browser without scripts sends them."""
import html
import re

from stack import flashes, publish, speaker

VISITOR = {"name": "Visitor Vic", "email": "vic@example.com", "body": "Great talk!", "notify": "on"}


def pending_comment(stack):
    """ann's talk with one visitor comment waiting; returns (ann's browser, talk path, comment id)."""
    ann = speaker(stack, "ann")
    talk = publish(ann)
    assert stack.browser().submit(talk, talk, VISITOR).status == 303
    ids = re.findall(r'<article id="comment-(\d+)"', ann.get(talk).body)
    return ann, talk, int(ids[0])


def form_fields(page_html, action):
    """The hidden fields of the form posting to action, as the page gives them."""
    form = re.search(r'<form method="post" action="%s"[^>]*>(.*?)</form>' % re.escape(action),
                     page_html, re.S)
    assert form, f"no form for {action}"
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))}


def test_approve_from_the_moderation_page_comes_back_to_it(stack):
    ann, talk, cid = pending_comment(stack)
    page = ann.get("/moderate?page=1").body
    # Each waiting comment says which talk it is on, linked to its place there.
    assert re.search(r'<p class="comment-talk">On <a href="%s#comment-%d">' % (re.escape(talk), cid),
                     page), page
    fields = form_fields(page, f"/comment/{cid}/approve")
    assert fields["next"] == "/moderate?page=1"
    r = ann.post(f"/comment/{cid}/approve", fields)
    assert r.status == 303 and r.getheader("Location") == "/moderate?page=1"
    back = ann.get("/moderate?page=1").body
    assert "The comment was approved." in flashes(back)
    assert "Great talk!" not in back
    assert "Great talk!" in stack.request("GET", talk).body  # visitors see it now
    # A second click (the first one already went through) is no error.
    r = ann.post(f"/comment/{cid}/approve", fields)
    assert r.status == 303


def test_delete_from_the_talk_page_comes_back_to_it(stack):
    ann, talk, cid = pending_comment(stack)
    page = ann.get(talk).body
    assert f'action="/comment/{cid}/approve"' in page
    fields = form_fields(page, f"/comment/{cid}/delete")
    assert fields["next"] == talk
    r = ann.post(f"/comment/{cid}/delete", fields)
    assert r.status == 303 and r.getheader("Location") == talk
    back = ann.get(talk).body
    assert "The comment was deleted." in flashes(back)
    assert f'id="comment-{cid}"' not in back
    assert ann.post(f"/comment/{cid}/delete", fields).status == 404


def test_next_must_be_a_local_path_else_the_talk(stack):
    ann, talk, _ = pending_comment(stack)
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/%2Fevil", ""):
        assert ann.submit(talk, talk, {"body": f"going {bad}"}).status == 303
        cid = re.findall(r'<article id="comment-(\d+)"', ann.get(talk).body)[-1]
        r = ann.post(f"/comment/{cid}/delete", {"csrf_token": ann.csrf(talk), "next": bad})
        assert r.status == 303 and r.getheader("Location") == talk + "#comments", bad


def test_only_the_speaker_or_an_admin_moderates(stack):
    ann, talk, cid = pending_comment(stack)
    bob = speaker(stack, "bob")
    r = bob.post(f"/comment/{cid}/approve", {"csrf_token": bob.csrf("/"), "next": "/"})
    assert r.status == 403 and "<html" in r.body
    vic = stack.browser()
    r = vic.post(f"/comment/{cid}/delete", {"csrf_token": vic.csrf("/"), "next": "/"})
    assert r.status == 403 and "<html" in r.body
    assert f'id="comment-{cid}"' in ann.get(talk).body  # nothing changed
    # Without the CSRF token nothing changes either.
    r = ann.post(f"/comment/{cid}/delete", {"next": "/"})
    assert r.status == 400
    assert f'id="comment-{cid}"' in ann.get(talk).body
    # An unknown comment is a 404 page; an admin moderates any talk.
    root = speaker(stack, "root", admin=True)
    token = root.csrf("/moderate-admin")
    r = root.post("/comment/99999/approve", {"csrf_token": token, "next": "/"})
    assert r.status == 404 and "<html" in r.body
    fields = form_fields(root.get("/moderate-admin").body, f"/comment/{cid}/delete")
    r = root.post(f"/comment/{cid}/delete", fields)
    assert r.status == 303 and r.getheader("Location") == "/moderate-admin"
    assert f'id="comment-{cid}"' not in ann.get(talk).body
