"""API tokens (issue "Second hardening round", item 3), end to end: a user holds at most 20 live
tokens — the 21st retires the oldest — and making a token deletes expired ones, so a loop of
POST /api/1.0/tokens cannot grow auth.db."""
import base64
import json
import os
import sqlite3

TOKENS_PER_USER = 20  # STORE_TOKENS_PER_USER in svc-auth/store.h


def new_token(stack, email="ann@example.com", password="correct horse"):
    basic = base64.b64encode(f"{email}:{password}".encode()).decode()
    r = stack.request("POST", "/api/1.0/tokens", headers={"Authorization": f"Basic {basic}"})
    assert r.status == 200, r.body
    return json.loads(r.body)["token"]


def works(stack, token):
    """True when the API takes the token: approving a comment that does not exist is a 404 for
    a valid token, a 401 for any other."""
    r = stack.request("PUT", "/api/1.0/comments/999999",
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status in (401, 404), r.body
    return r.status == 404


def test_the_21st_token_retires_the_oldest(stack):
    stack.adduser("ann@example.com", "ann")
    stack.adduser("bob@example.com", "bob")
    bobs = new_token(stack, "bob@example.com")
    tokens = [new_token(stack) for _ in range(TOKENS_PER_USER + 1)]
    assert not works(stack, tokens[0])
    assert all(works(stack, t) for t in tokens[1:])
    assert works(stack, bobs)  # another user's tokens are not touched
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "auth.db"))
    try:
        [(ann_rows,)] = db.execute("SELECT count(*) FROM api_tokens t JOIN users u "
                                   "ON u.id = t.user_id WHERE u.username = 'ann'").fetchall()
    finally:
        db.close()
    assert ann_rows == TOKENS_PER_USER


def test_making_a_token_deletes_expired_ones(stack):
    stack.adduser("ann@example.com", "ann")
    stack.adduser("bob@example.com", "bob")
    new_token(stack)  # svc-auth has created its tables and migrated
    db = sqlite3.connect(os.path.join(stack.env["TALKS_DATA_DIR"], "auth.db"), timeout=10)
    try:
        with db:
            for i in range(5):
                db.execute("INSERT INTO api_tokens(id_hash, user_id, expires_at) "
                           "VALUES(?, (SELECT id FROM users WHERE username = 'bob'), 1000)",
                           (bytes([i]) * 32,))

        def expired():
            return db.execute("SELECT count(*) FROM api_tokens WHERE expires_at <= unixepoch()"
                              ).fetchone()[0]
        assert expired() == 5
        new_token(stack)
        assert expired() == 0
    finally:
        db.close()
