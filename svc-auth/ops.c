/* ops: svc-auth's operations — accounts, login with throttling, sessions, API tokens. Each
 * handler reads typed fields, acts once, and writes its reply fields (tp_svc.h).
 *
 * Design notes: session ids and API tokens are 32 random bytes shown to the client once, in
 * base64url; only their BLAKE2b hash is stored. A login is throttled per email and per client
 * address before the password is even looked at, and an unknown email costs the same Argon2id
 * verification as a wrong password, so neither the answer nor its timing tells them apart. API
 * tokens live an hour; a user holds at most STORE_TOKENS_PER_USER (a new one retires the oldest),
 * and each new token deletes expired ones, so no loop of token requests grows auth.db. A new
 * password (talksctl, the profile page or a reset link) ends the account's sessions, API tokens
 * and reset links in the transaction that sets it; the profile page keeps its own session. */
#include "ops.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "password.h"
#include "store.h"
#include "tp_backup.h"
#include "tp_log.h"
#include "tp_text.h"
#include "transfer.h"
#include "tp_fmt.h"

#define THROTTLE_WINDOW_S      (15 * 60)
#define THROTTLE_PER_EMAIL     5
#define THROTTLE_PER_ADDR      20
#define SESSION_TTL_S          (24 * 3600)
#define SESSION_REMEMBER_TTL_S (30 * 24 * 3600)
#define API_TOKEN_TTL_S        3600
#define RESET_TTL_S            3600
#define SECRET_BYTES           32
#define SECRET_TEXT_MAX        64 /* base64url of 32 bytes is 43 characters */

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- replies ---- */

/* The first character a user's avatar shows (of the name, else the username). */
static void write_avatar(tp_w *w, const user *u)
{
    const char *s = u->name[0] ? u->name : u->username;
    size_t n = 1;
    while (s[n] && ((unsigned char)s[n] & 0xc0) == 0x80) n++;
    char initial[8];
    if (n >= sizeof initial) n = sizeof initial - 1; /* UTF-8 has at most 4 bytes a character */
    memcpy(initial, s, n);
    initial[n] = '\0';
    if (n == 1 && initial[0] >= 'a' && initial[0] <= 'z') initial[0] = (char)(initial[0] - 32);
    tp_w_kstr(w, "avatar_initial", initial);
    uint32_t h = 2166136261u; /* FNV-1a of the username: a stable colour per person */
    for (const char *p = u->username; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    tp_w_kint(w, "avatar_hue", h % 12);
}

/* A user as a map; email and is_admin only when the reader may see them. */
static void write_user_map(tp_w *w, const user *u, bool private)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", u->id);
    tp_w_kstr(w, "username", u->username);
    tp_w_kstr(w, "name", u->name[0] ? u->name : u->username);
    tp_w_kstr(w, "location", u->location);
    tp_w_kstr(w, "bio", u->bio);
    write_avatar(w, u);
    if (private) {
        tp_w_kstr(w, "email", u->email);
        tp_w_kbool(w, "is_admin", u->is_admin);
        tp_w_kstr(w, "profile_name", u->name);
    }
    tp_w_map_end(w);
}

static void write_user(tp_w *w, const char *key, const user *u, bool private)
{
    tp_w_key(w, key);
    write_user_map(w, u, private);
}

static tp_err db_failed(tp_call *c)
{
    return tp_fail(c, TP_EINTERNAL, "database error");
}

/* ---- secrets (session ids, API tokens) ---- */

static void new_secret(char text[SECRET_TEXT_MAX], unsigned char hash[SESSION_HASH_BYTES])
{
    unsigned char raw[SECRET_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, SECRET_TEXT_MAX, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_generichash(hash, SESSION_HASH_BYTES, (const unsigned char *)text, strlen(text), NULL,
                       0);
}

/* The hash of a secret the request carried, or -1 when it is empty. */
static int secret_hash(tp_str s, unsigned char hash[SESSION_HASH_BYTES])
{
    if (s.n == 0) return -1;
    crypto_generichash(hash, SESSION_HASH_BYTES, (const unsigned char *)s.p, s.n, NULL, 0);
    return 0;
}

/* ---- throttling and credentials ---- */

/* The keys one attempt counts under: its email (lower-cased) and its client address, each after
 * a prefix naming what is throttled ("" for logins, "reset-" for reset requests). */
typedef struct throttle {
    char email[1100], addr[80];
    bool has_addr;
} throttle;

static void throttle_keys(throttle *t, const char *kind, tp_str email, tp_str addr)
{
    int n = snprintf(t->email, sizeof t->email, "%semail:%.*s", kind, (int)email.n, email.p);
    for (int i = (int)strlen(kind) + 6; i < n && t->email[i]; i++)
        if (t->email[i] >= 'A' && t->email[i] <= 'Z') t->email[i] = (char)(t->email[i] + 32);
    snprintf(t->addr, sizeof t->addr, "%saddr:%.*s", kind, (int)addr.n, addr.p);
    t->has_addr = addr.n > 0;
}

/* TP_OK while fewer attempts than the limits were counted in the window, else the answer. */
static tp_err throttle_check(tp_call *c, const throttle *t)
{
    int64_t since = now_s() - THROTTLE_WINDOW_S;
    int by_email = store_failures_count(c->db, t->email, since);
    int by_addr = t->has_addr ? store_failures_count(c->db, t->addr, since) : 0;
    if (by_email < 0 || by_addr < 0) return db_failed(c);
    if (by_email >= THROTTLE_PER_EMAIL || by_addr >= THROTTLE_PER_ADDR)
        return tp_fail(c, TP_ETHROTTLED, "Too many failed attempts. Please try again later.");
    return TP_OK;
}

/* Counts one attempt under both keys, inside the caller's transaction; 0, or -1. */
static int throttle_add(tp_call *c, const throttle *t)
{
    int64_t now = now_s(), since = now - THROTTLE_WINDOW_S;
    return store_failure_add(c->db, t->email, now, since) ||
                   (t->has_addr && store_failure_add(c->db, t->addr, now, since))
               ? -1
               : 0;
}

/* Counts one attempt under both keys; 0, or -1. */
static int throttle_count(tp_call *c, const throttle *t)
{
    if (tp_db_begin(c->db) || throttle_add(c, t) || tp_db_commit(c->db)) {
        tp_db_rollback(c->db);
        return -1;
    }
    return 0;
}

/* A hash from before — a Werkzeug one import-flask kept, or Argon2id at older limits — is
 * replaced while the password is at hand. If that fails the old one stays until next time. */
static void upgrade_hash(tp_call *c, const user *u, tp_str pw)
{
    char hash[crypto_pwhash_STRBYTES];
    if (password_is_current(u->password_hash)) return;
    if (password_hash(pw.p, pw.n, hash) == 0 && store_password_set(c->db, u->id, hash) == 0) return;
    char rid[80];
    snprintf(rid, sizeof rid, "%.*s", (int)c->rid.n, c->rid.p);
    tp_warn(rid, "cannot replace the old password hash of user %" PRId64, u->id);
}

/* Checks email+password under the throttle; TP_OK fills u. */
static tp_err check_credentials(tp_call *c, user *u)
{
    /* auth.login's fields begin with TP_CREDENTIALS_IN too: one struct reads both */
    const struct tp_in_TP_OP_AUTH_TOKEN_CREATE *in = TP_IN(c, AUTH_TOKEN_CREATE);
    tp_str email = in->email, pw = in->password, addr = in->addr;

    throttle t;
    throttle_keys(&t, "", email, addr);
    tp_err e = throttle_check(c, &t);
    if (e != TP_OK) return e;
    int found = email.n <= TP_EMAIL_MAX ? store_user_by_email(c->db, email, u) : 0;
    if (found < 0) return db_failed(c);
    if (!password_verify(found ? u->password_hash : NULL, pw.p, pw.n))
        return throttle_count(c, &t) ? db_failed(c)
                                     : tp_fail(c, TP_EUNAUTH, "Invalid email or password.");
    if (store_failures_clear(c->db, t.email)) return db_failed(c);
    upgrade_hash(c, u, pw);
    return TP_OK;
}

/* Answers invalid with {fields: {name: message}} for each of the n fields that has one. */
static tp_err fail_fields(tp_call *c, const char *const *names, const char *const *errors, size_t n)
{
    tp_w_key(c->out, "fields");
    tp_w_map_begin(c->out);
    for (size_t i = 0; i < n; i++)
        if (errors[i]) tp_w_kstr(c->out, names[i], errors[i]);
    tp_w_map_end(c->out);
    return tp_fail(c, TP_EINVAL, "Please correct the errors below.");
}

/* The new password of a form (fields "password" and "confirm"): its message for each of the
 * two, NULL when fine. */
static void check_new_password(tp_str pw, tp_str confirm, const char *errors[2])
{
    errors[0] = fields_password(pw);
    errors[1] = NULL;
    if (!errors[0] && (pw.n != confirm.n || memcmp(pw.p, confirm.p, pw.n) != 0))
        errors[1] = "Passwords do not match.";
}

/* Hashes pw and makes it user_id's password, ending what the old one gave (store.h). */
static tp_err set_password(tp_call *c, int64_t user_id, tp_str pw, const unsigned char *keep)
{
    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(pw.p, pw.n, hash) != 0) return tp_fail(c, TP_EINTERNAL, "cannot hash");
    int done = store_password_change(c->db, user_id, hash, keep);
    if (done < 0) return db_failed(c);
    return done ? TP_OK : tp_fail(c, TP_ENOTFOUND, "No such user.");
}

/* ---- operations ---- */

static tp_err op_user_add(tp_call *c)
{
    const struct tp_in_TP_OP_AUTH_USER_ADD *in = TP_IN(c, AUTH_USER_ADD);
    tp_str email = in->email, username = in->username, pw = in->password;
    bool is_admin = in->is_admin;
    const char *why = tp_text_email(email);
    if (!why) why = fields_username(username);
    if (!why) why = fields_password(pw);
    if (why) return tp_fail(c, TP_EINVAL, "%s", why);

    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(pw.p, pw.n, hash) != 0) return tp_fail(c, TP_EINTERNAL, "cannot hash");
    int64_t id;
    switch (store_user_insert(c->db, email, username, hash, is_admin, &id)) {
    case STORE_INSERTED:
        tp_w_kint(c->out, "id", id);
        return TP_OK;
    case STORE_DUP_EMAIL:
        return tp_fail(c, TP_ECONFLICT, "Email already registered.");
    case STORE_DUP_USERNAME:
        return tp_fail(c, TP_ECONFLICT, "Username already taken.");
    default:
        return db_failed(c);
    }
}

static tp_err op_login(tp_call *c)
{
    user u;
    bool remember = TP_IN(c, AUTH_LOGIN)->remember;
    tp_err e = check_credentials(c, &u);
    if (e != TP_OK) return e;
    char session[SECRET_TEXT_MAX];
    unsigned char hash[SESSION_HASH_BYTES];
    new_secret(session, hash);
    int64_t ttl = remember ? SESSION_REMEMBER_TTL_S : SESSION_TTL_S;
    if (store_session_insert(c->db, hash, u.id, remember, now_s() + ttl)) return db_failed(c);
    tp_w_kstr(c->out, "session", session);
    tp_w_kint(c->out, "expires_in", ttl);
    write_user(c->out, "user", &u, true);
    return TP_OK;
}

static tp_err op_session(tp_call *c)
{
    unsigned char hash[SESSION_HASH_BYTES];
    user u;
    if (secret_hash(TP_IN(c, AUTH_SESSION)->session, hash))
        return tp_fail(c, TP_EUNAUTH, "no session");
    int found = store_session_user(c->db, hash, now_s(), &u);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_EUNAUTH, "session expired or ended");
    write_user(c->out, "user", &u, true);
    return TP_OK;
}

static tp_err op_logout(tp_call *c)
{
    unsigned char hash[SESSION_HASH_BYTES];
    if (secret_hash(TP_IN(c, AUTH_LOGOUT)->session, hash))
        return tp_fail(c, TP_EBADMSG, "session is required");
    return store_session_delete(c->db, hash) ? db_failed(c) : TP_OK;
}

static tp_err op_user_get(tp_call *c)
{
    tp_str username = TP_IN(c, AUTH_USER_GET)->username;
    user u;
    /* Any text may come from a URL: whatever is not a username is simply nobody. */
    if (fields_username(username)) return tp_fail(c, TP_ENOTFOUND, "No such user.");
    /* The user and the newest profile change number from one snapshot, as users_get says them. */
    if (tp_db_read_begin(c->db)) return db_failed(c);
    int found = store_user_by_username(c->db, username, &u);
    int64_t seq = found == 1 ? store_profiles_last(c->db) : 0;
    tp_db_read_end(c->db);
    if (found < 0 || seq < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such user.");
    write_user(c->out, "user", &u, false);
    tp_w_kint(c->out, "seq", seq);
    return TP_OK;
}

static void write_user_entry(const user *u, void *arg)
{
    tp_w *out = arg;
    char key[TP_FMT_INT_SIZE];
    tp_fmt_i64(key, u->id);
    tp_w_key(out, key);
    write_user_map(out, u, false);
}

/* {ids: [id, …]} → {users: {"<id>": user, …}, seq}: the authors of a page of talks in one call,
 * and the newest profile change number. Unknown ids are simply absent; an id asked twice is
 * answered once. */
static tp_err op_users_get(tp_call *c)
{
    const tp_ids *list = &TP_IN(c, AUTH_USERS_GET)->ids;
    int64_t ids[TP_USERS_GET_MAX];
    size_t n = list->n;
    for (size_t i = 0; i < n; i++) ids[i] = tp_ids_at(list, i);
    /* The users and the newest profile change number from one snapshot: the gateway remembers
     * them as they were as of that number (gateway/users_cache.h). */
    if (tp_db_read_begin(c->db)) return db_failed(c);
    tp_w_key(c->out, "users");
    tp_w_map_begin(c->out);
    int rc = store_users_by_ids(c->db, ids, n, write_user_entry, c->out);
    tp_w_map_end(c->out);
    int64_t seq = rc ? -1 : store_profiles_last(c->db);
    tp_db_read_end(c->db);
    if (seq < 0) return db_failed(c);
    tp_w_kint(c->out, "seq", seq);
    return TP_OK;
}

/* {id} → {email, name}: how to reach a speaker, for svc-mail (through the relay only; the
 * gateway never asks, so no page can show an address). */
static tp_err op_user_contact(tp_call *c)
{
    user u;
    int found = store_user_by_id(c->db, TP_IN(c, AUTH_USER_CONTACT)->id, &u);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such user.");
    tp_w_kstr(c->out, "email", u.email);
    tp_w_kstr(c->out, "name", u.name[0] ? u.name : u.username);
    return TP_OK;
}

static tp_err op_profile_update(tp_call *c)
{
    const struct tp_in_TP_OP_AUTH_PROFILE_UPDATE *in = TP_IN(c, AUTH_PROFILE_UPDATE);
    int64_t id = in->user_id;
    tp_str name = in->name, location = in->location, bio = in->bio;
    char messages[3][TP_TEXT_MESSAGE_MAX];
    const char *errors[3] = {
        tp_text_check(name, NAME_MAX_CHARS, "Name", 0, messages[0]),
        tp_text_check(location, LOCATION_MAX_CHARS, "Location", 0, messages[1]),
        tp_text_check(bio, BIO_MAX_CHARS, "Bio", TP_TEXT_MULTILINE, messages[2])};
    static const char *const names[3] = {"name", "location", "bio"};
    if (errors[0] || errors[1] || errors[2]) return fail_fields(c, names, errors, 3);
    int updated = store_profile_update(c->db, id, name, location, bio);
    if (updated < 0) return db_failed(c);
    return updated ? TP_OK : tp_fail(c, TP_ENOTFOUND, "No such user.");
}

/* {after, limit} → {users: [{id, name, seq}, …], last}: the accounts made or whose profile changed
 * after change number `after`, oldest change first, with their names, and the newest change
 * number, from one snapshot. Asked by svc-talks through the relay (its copy of the names, for
 * search; a last before what it has copied means auth.db went back, a restored backup, see
 * speakers.c) and by the gateway (which accounts it remembers are out of date, users_feed.h). */
static tp_err op_names_after(tp_call *c)
{
    const struct tp_in_TP_OP_AUTH_NAMES_AFTER *in = TP_IN(c, AUTH_NAMES_AFTER);
    if (tp_db_read_begin(c->db)) return db_failed(c);
    int64_t n = store_names_after(c->db, in->after, in->limit, c->out, "users");
    int64_t last = n < 0 ? -1 : store_profiles_last(c->db);
    tp_db_read_end(c->db);
    if (last < 0) return db_failed(c);
    tp_w_kint(c->out, "last", last);
    c->routine = n == 0; /* svc-talks asks every second: only at debug when nothing changed */
    return TP_OK;
}

static tp_err op_token_create(tp_call *c)
{
    user u;
    tp_err e = check_credentials(c, &u);
    if (e != TP_OK) return e;
    char token[SECRET_TEXT_MAX];
    unsigned char hash[SESSION_HASH_BYTES];
    new_secret(token, hash);
    int64_t now = now_s();
    if (store_token_insert(c->db, hash, u.id, now, now + API_TOKEN_TTL_S)) return db_failed(c);
    tp_w_kstr(c->out, "token", token);
    tp_w_kint(c->out, "expires_in", API_TOKEN_TTL_S);
    return TP_OK;
}

static tp_err op_token_check(tp_call *c)
{
    unsigned char hash[SESSION_HASH_BYTES];
    user u;
    if (secret_hash(TP_IN(c, AUTH_TOKEN_CHECK)->token, hash))
        return tp_fail(c, TP_EUNAUTH, "Invalid authentication token.");
    int found = store_token_user(c->db, hash, now_s(), &u);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_EUNAUTH, "Invalid authentication token.");
    write_user(c->out, "user", &u, true);
    return TP_OK;
}

/* {email, password} → the account's new password (talksctl passwd): every session, API token
 * and reset link of the account ends. */
static tp_err op_password_set(tp_call *c)
{
    tp_str email = TP_IN(c, AUTH_PASSWORD_SET)->email, pw = TP_IN(c, AUTH_PASSWORD_SET)->password;
    user u;
    const char *why = fields_password(pw);
    if (why) return tp_fail(c, TP_EINVAL, "%s", why);
    int found = email.n <= TP_EMAIL_MAX ? store_user_by_email(c->db, email, &u) : 0;
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No account has that email.");
    return set_password(c, u.id, pw, NULL);
}

/* {user_id, session, current, password, confirm, addr} → the logged-in user's new password
 * (/profile/password). A wrong current password counts as a failed login (the same throttle:
 * a stolen session cannot guess it faster than the login form could); the session the change
 * came from is kept, every other one ends, with the API tokens and reset links. */
static tp_err op_password_change(tp_call *c)
{
    const struct tp_in_TP_OP_AUTH_PASSWORD_CHANGE *in = TP_IN(c, AUTH_PASSWORD_CHANGE);
    tp_str current = in->current, pw = in->password, confirm = in->confirm, addr = in->addr;
    unsigned char keep[SESSION_HASH_BYTES];
    user u;
    if (secret_hash(in->session, keep)) return tp_fail(c, TP_EBADMSG, "session is required");
    int found = store_user_by_id(c->db, in->user_id, &u);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such user.");

    throttle t;
    throttle_keys(&t, "", (tp_str){u.email, strlen(u.email)}, addr);
    tp_err e = throttle_check(c, &t);
    if (e != TP_OK) return e;
    const char *errors[3] = {NULL};
    if (!password_verify(u.password_hash, current.p, current.n)) {
        if (throttle_count(c, &t)) return db_failed(c);
        errors[0] = "That is not your current password.";
    }
    check_new_password(pw, confirm, errors + 1);
    static const char *const names[3] = {"current", "password", "confirm"};
    if (errors[0] || errors[1] || errors[2]) return fail_fields(c, names, errors, 3);
    return set_password(c, u.id, pw, keep);
}

/* {email, addr} → {found} and, when an account has that email, {token, email, name}: a new
 * reset link (an hour), for svc-mail to send (through the relay only: the gateway never sees a
 * link). Every request counts against the throttle, whether the account exists or not, so
 * neither the answer's timing nor the throttle tells them apart. */
static tp_err op_reset_token(tp_call *c)
{
    tp_str email = TP_IN(c, AUTH_RESET_TOKEN)->email, addr = TP_IN(c, AUTH_RESET_TOKEN)->addr;
    user u;
    throttle t;
    throttle_keys(&t, "reset-", email, addr);
    tp_err e = throttle_check(c, &t);
    if (e != TP_OK) return e;
    int found = email.n <= TP_EMAIL_MAX ? store_user_by_email(c->db, email, &u) : 0;
    if (found < 0) return db_failed(c);
    char token[SECRET_TEXT_MAX];
    unsigned char hash[SESSION_HASH_BYTES];
    new_secret(token, hash); /* made either way, like the one commit below: the same work */
    int64_t now = now_s();
    if (tp_db_begin(c->db) || throttle_add(c, &t) ||
        (found && store_reset_insert(c->db, hash, u.id, now, now + RESET_TTL_S)) ||
        tp_db_commit(c->db)) {
        tp_db_rollback(c->db);
        return db_failed(c);
    }
    tp_w_kbool(c->out, "found", found);
    if (!found) return TP_OK;
    tp_w_kstr(c->out, "token", token);
    tp_w_kstr(c->out, "email", u.email);
    tp_w_kstr(c->out, "name", u.name[0] ? u.name : u.username);
    return TP_OK;
}

/* The account of the reset link in "token", or not_found (expired, used or never made). */
static tp_err reset_link_user(tp_call *c, user *u, unsigned char hash[SESSION_HASH_BYTES])
{
    /* auth.reset_use's fields begin with TP_RESET_LINK_IN too: one struct reads both */
    tp_str token = TP_IN(c, AUTH_RESET_CHECK)->token;
    int found = secret_hash(token, hash) ? 0 : store_reset_user(c->db, hash, now_s(), u);
    if (found < 0) return db_failed(c);
    return found ? TP_OK
                 : tp_fail(c, TP_ENOTFOUND, "This reset link has expired or was already used.");
}

/* {token} → ok while the reset link works. */
static tp_err op_reset_check(tp_call *c)
{
    user u;
    unsigned char hash[SESSION_HASH_BYTES];
    return reset_link_user(c, &u, hash);
}

/* {token, password, confirm} → the account's new password; the link, every session and every
 * API token of the account end (set_password). */
static tp_err op_reset_use(tp_call *c)
{
    tp_str pw = TP_IN(c, AUTH_RESET_USE)->password, confirm = TP_IN(c, AUTH_RESET_USE)->confirm;
    user u;
    unsigned char hash[SESSION_HASH_BYTES];
    tp_err e = reset_link_user(c, &u, hash);
    if (e != TP_OK) return e;
    const char *errors[2];
    check_new_password(pw, confirm, errors);
    static const char *const names[2] = {"password", "confirm"};
    if (errors[0] || errors[1]) return fail_fields(c, names, errors, 2);
    return set_password(c, u.id, pw, NULL);
}

/* The handlers by op, one a line. */
/* clang-format off */
const tp_op_fn auth_ops[TP_OP_COUNT] = {
    [TP_OP_AUTH_USER_ADD] = op_user_add,
    [TP_OP_AUTH_LOGIN] = op_login,
    [TP_OP_AUTH_SESSION] = op_session,
    [TP_OP_AUTH_LOGOUT] = op_logout,
    [TP_OP_AUTH_USER_GET] = op_user_get,
    [TP_OP_AUTH_USERS_GET] = op_users_get,
    [TP_OP_AUTH_USER_CONTACT] = op_user_contact,
    [TP_OP_AUTH_PROFILE_UPDATE] = op_profile_update,
    [TP_OP_AUTH_TOKEN_CREATE] = op_token_create,
    [TP_OP_AUTH_TOKEN_CHECK] = op_token_check,
    [TP_OP_AUTH_PASSWORD_SET] = op_password_set,
    [TP_OP_AUTH_PASSWORD_CHANGE] = op_password_change,
    [TP_OP_AUTH_RESET_TOKEN] = op_reset_token,
    [TP_OP_AUTH_RESET_CHECK] = op_reset_check,
    [TP_OP_AUTH_RESET_USE] = op_reset_use,
    [TP_OP_AUTH_NAMES_AFTER] = op_names_after,
    [TP_OP_AUTH_EXPORT] = transfer_export,
    [TP_OP_AUTH_IMPORT] = transfer_import,
    [TP_OP_AUTH_BACKUP] = tp_backup_op,
};
/* clang-format on */
