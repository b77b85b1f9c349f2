"""All of one commenter's pending comments in one step (issue 21): the "Approve all from" and
"Delete all from" forms of /moderate and /moderate-admin (POST /moderate/commenter/approve and
/moderate/commenter/delete), scoped to what the moderator may moderate, with a flash saying
how many."""
from stack import flashes, publish, speaker, wait_until
from test_comments import VISITOR, comment
from test_mail import mailstack, text_of  # noqa: F401 (fixtures)
from test_moderation_forms import form_fields

SPAMMER = {"name": "Spam Sam", "email": "sam@example.com", "notify": "on"}


def post_as(stack, talk, who, body):
    assert comment(stack.browser(), talk, **dict(who, body=body)).status == 303


def approve_all_from(moderator, email):
    fields = form_fields(moderator.get("/moderate").body, "/moderate/commenter/approve")
    r = moderator.post("/moderate/commenter/approve", dict(fields, email=email))
    assert r.status == 303


def test_approve_all_from_one_commenter(stack):
    ann = speaker(stack, "ann")
    talk1, talk2 = publish(ann), publish(ann, title="Second talk")
    post_as(stack, talk1, SPAMMER, "sam one")
    post_as(stack, talk2, dict(SPAMMER, email="SAM@example.com"), "sam two")
    post_as(stack, talk1, VISITOR, "vic's")
    page = ann.get("/moderate").body
    assert "Approve all from Spam Sam" in page and "Delete all from sam@example.com" in page
    fields = form_fields(page, "/moderate/commenter/approve")
    assert fields["next"] == "/moderate" and "all" not in fields
    r = ann.post("/moderate/commenter/approve", dict(fields, email="sam@example.com"))
    assert r.status == 303 and r.getheader("Location") == "/moderate"
    back = ann.get("/moderate").body
    assert flashes(back) == ["Approved 2 comments from that commenter."]
    assert "sam one" not in back and "sam two" not in back and "vic" in back
    # Visitors see both now (the page cache follows), and vic's still waits.
    assert "sam one" in stack.request("GET", talk1).body
    assert "sam two" in stack.request("GET", talk2).body
    assert "vic" not in stack.request("GET", talk1).body.split('id="comments"')[1]
    # Nothing left from sam: a second click approves none, and says so.
    r = ann.post("/moderate/commenter/approve", dict(fields, email="sam@example.com"))
    assert r.status == 303
    assert flashes(ann.get("/moderate").body) == ["Approved 0 comments from that commenter."]


def test_approving_all_mails_those_who_asked_to_be_notified(mailstack, smtp):
    stack = mailstack
    ann = speaker(stack, "ann")
    talk = publish(ann)
    post_as(stack, talk, VISITOR, "first, notify me")
    approve_all_from(ann, VISITOR["email"])
    post_as(stack, talk, SPAMMER, "sam one")
    post_as(stack, talk, SPAMMER, "sam two")
    approve_all_from(ann, SPAMMER["email"])
    # vic, subscribed to the talk, hears of both, as when they are approved one by one.
    wait_until(lambda: "sam two" in "".join(text_of(m) for m in smtp.to("vic@example.com")), 15,
               "vic's notification of sam's comments")
    told = "".join(text_of(m) for m in smtp.to("vic@example.com"))
    assert "sam one" in told and "sam two" in told


def test_delete_all_from_one_commenter_only_on_my_talks(stack):
    ann, bob = speaker(stack, "ann"), speaker(stack, "bob")
    anns, bobs = publish(ann), publish(bob, title="Bob's talk")
    post_as(stack, anns, SPAMMER, "sam on ann's")
    post_as(stack, bobs, SPAMMER, "sam on bob's")
    # bob acts on sam's comments: only the one on his own talk goes.
    fields = form_fields(bob.get("/moderate").body, "/moderate/commenter/delete")
    assert fields["email"] == "sam@example.com"
    r = bob.post("/moderate/commenter/delete", fields)
    assert r.status == 303
    assert flashes(bob.get("/moderate").body) == ["Deleted 1 comment from that commenter."]
    assert "sam on bob&#39;s" not in bob.get(bobs).body and "sam on bob's" not in bob.get(bobs).body
    assert "sam on ann" in ann.get("/moderate").body  # ann's is untouched
    # Even with all=1, a speaker who is not an admin reaches only their own talks.
    r = bob.post("/moderate/commenter/approve", dict(fields, all="1"))
    assert r.status == 303
    assert flashes(bob.get("/moderate").body) == ["Approved 0 comments from that commenter."]
    assert "sam on ann" not in stack.request("GET", anns).body


def test_an_admin_acts_on_every_talk_from_the_admin_page(stack):
    ann = speaker(stack, "ann")
    admin = speaker(stack, "root", admin=True)
    talk = publish(ann)
    post_as(stack, talk, SPAMMER, "sam one")
    post_as(stack, talk, SPAMMER, "sam two")
    page = admin.get("/moderate-admin").body
    fields = form_fields(page, "/moderate/commenter/delete")
    assert fields["all"] == "1" and fields["next"] == "/moderate-admin"
    # From /moderate (their own talks: none), the same admin deletes nothing.
    assert admin.post("/moderate/commenter/delete", dict(fields, all="")).status == 303
    assert flashes(admin.get("/moderate").body) == ["Deleted 0 comments from that commenter."]
    r = admin.post("/moderate/commenter/delete", fields)
    assert r.status == 303 and r.getheader("Location") == "/moderate-admin"
    back = admin.get("/moderate-admin").body
    assert flashes(back) == ["Deleted 2 comments from that commenter."]
    assert "No comments are waiting for you." in back


def test_bulk_forms_need_csrf_a_login_and_an_email(stack):
    ann = speaker(stack, "ann")
    talk = publish(ann)
    post_as(stack, talk, SPAMMER, "sam one")
    fields = form_fields(ann.get("/moderate").body, "/moderate/commenter/approve")
    # Without the token: 400, and nothing changes.
    r = ann.post("/moderate/commenter/approve", {"email": "sam@example.com", "next": "/moderate"})
    assert r.status == 400
    assert "sam one" not in stack.request("GET", talk).body
    # A visitor without a session: 403.
    vic = stack.browser()
    r = vic.post("/moderate/commenter/approve",
                 {"csrf_token": vic.csrf("/"), "email": "sam@example.com", "next": "/"})
    assert r.status == 403 and "<html" in r.body
    # No email: 400.
    r = ann.post("/moderate/commenter/approve", dict(fields, email=""))
    assert r.status == 400
    # An outside next goes to /moderate instead.
    r = ann.post("/moderate/commenter/delete", dict(fields, next="//evil.example/"))
    assert r.status == 303 and r.getheader("Location") == "/moderate"
    assert flashes(ann.get("/moderate").body) == ["Deleted 1 comment from that commenter."]
    assert "sam one" not in ann.get(talk).body
