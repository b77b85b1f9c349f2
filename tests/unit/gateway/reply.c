/* Unit tests for gateway/reply.c: a reply that says ok is used only when it has the shape the
 * pages rely on; a field missing, of the wrong type or out of bounds, at any
 * depth, and lists or dicts longer than a page, are refused with a reason naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "reply.h"
#include "sample_replies.h"
#include "tp_ops.h"

static bool fits(const msgpack_object *o, const reply_shape *shape)
{
    char why[200];
    return reply_check(o, shape, why, sizeof why) == 0;
}

/* The reason reply_check gives for refusing o. */
static const char *refusal(const msgpack_object *o, const reply_shape *shape)
{
    static char why[200];
    if (reply_check(o, shape, why, sizeof why) == 0) return "(accepted)";
    return why;
}

static void w_int_1(tp_w *w)
{
    tp_w_int(w, 1);
}
static void w_str_1(tp_w *w)
{
    tp_w_str(w, "1");
}
static void w_nil(tp_w *w)
{
    tp_w_nil(w);
}
static void w_map(tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_map_end(w);
}
static void w_list(tp_w *w)
{
    tp_w_array_begin(w);
    tp_w_array_end(w);
}

/* Something of another type than the field's kind. */
static void (*wrong_type(const reply_field *f))(tp_w *w)
{
    switch (f->kind) {
    case REPLY_STR:
    case REPLY_TOKEN:
    case REPLY_MAP:
    case REPLY_DICT:
    case REPLY_COUNTS:
        return w_int_1;
    case REPLY_LIST:
        return w_map;
    default:
        return w_str_1;
    }
}

/* Every field of shape is checked in o (a map that has it): left out (unless optional), nil
 * (unless optional) or of another type, o is refused. */
static void check_every_field_counts(const msgpack_object *o, const reply_shape *shape)
{
    CHECK(fits(o, shape));
    for (size_t i = 0; i < shape->nfields; i++) {
        const reply_field *f = &shape->fields[i];
        tp_msg changed;
        if (!f->optional) {
            sample_change(&changed, o, f->key, NULL);
            if (fits(changed.root, shape))
                fprintf(stderr, "  %s.%s may be missing\n", shape->name, f->key);
            CHECK(!fits(changed.root, shape));
            tp_msg_free(&changed);
            sample_change(&changed, o, f->key, w_nil);
            CHECK(!fits(changed.root, shape));
            tp_msg_free(&changed);
        }
        sample_change(&changed, o, f->key, wrong_type(f));
        if (fits(changed.root, shape))
            fprintf(stderr, "  %s.%s may be of any type\n", shape->name, f->key);
        CHECK(!fits(changed.root, shape));
        tp_msg_free(&changed);
    }
}

/* ---- the known crash ---- */

static void talks_get_that_says_ok_without_a_talk_is_refused(void)
{
    tp_w w;
    tp_msg m;
    sample_begin(&w);
    sample_end(&w, &m);
    CHECK(!fits(m.root, &reply_talks_get));
    CHECK_STR_EQ(refusal(m.root, &reply_talks_get), "talk: missing");
    tp_msg_free(&m);

    sample_begin(&w); /* a talk that is not a map */
    tp_w_kstr(&w, "talk", "Parsing with care");
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_get), "talk: not a map");
    tp_msg_free(&m);
}

/* ---- whole replies ---- */

static void well_formed_replies_are_accepted(void)
{
    tp_msg m;
    sample_talks_get(&m);
    CHECK(fits(m.root, &reply_talks_get));
    tp_msg_free(&m);
    sample_talks_list(&m, 100);
    CHECK(fits(m.root, &reply_talks_list));
    tp_msg_free(&m);
    sample_talks_list(&m, 0);
    CHECK(fits(m.root, &reply_talks_list));
    tp_msg_free(&m);
    sample_users_get(&m, 100);
    CHECK(fits(m.root, &reply_auth_users_get));
    tp_msg_free(&m);
    sample_session(&m);
    CHECK(fits(m.root, &reply_auth_session));
    CHECK(fits(m.root, &reply_auth_token_check));
    tp_msg_free(&m);
    sample_comments_list(&m, 100);
    CHECK(fits(m.root, &reply_comments_list));
    CHECK(fits(m.root, &reply_comments_pending));
    tp_msg_free(&m);
}

static void every_field_of_a_talk_is_required_and_typed(void)
{
    tp_msg m;
    sample_talks_get(&m);
    check_every_field_counts(m.root, &reply_talks_get);
    check_every_field_counts(tp_map_get(m.root, "talk"), &reply_talk);
    check_every_field_counts(tp_map_get(tp_map_get(m.root, "talk"), "video"), &reply_media);
    tp_msg_free(&m);
    sample_talks_list(&m, 2);
    check_every_field_counts(m.root, &reply_talks_list);
    tp_msg_free(&m);
    sample_talks_state(&m, 4242);
    check_every_field_counts(m.root, &reply_talks_state);
    tp_msg_free(&m);
}

static void every_field_of_a_user_is_required_and_typed(void)
{
    tp_msg m;
    sample_session(&m);
    check_every_field_counts(m.root, &reply_auth_session);
    check_every_field_counts(tp_map_get(m.root, "user"), &reply_me);
    check_every_field_counts(tp_map_get(m.root, "user"), &reply_user);
    tp_msg_free(&m);
    sample_users_get(&m, 2);
    check_every_field_counts(m.root, &reply_auth_users_get);
    tp_msg_free(&m);
    sample_names_after(&m, 2);
    check_every_field_counts(m.root, &reply_auth_names_after);
    check_every_field_counts(&tp_map_get(m.root, "users")->via.array.ptr[0],
                             reply_auth_names_after.fields[0].of);
    tp_msg_free(&m);
}

static void every_field_of_a_comment_is_required_and_typed(void)
{
    tp_msg m;
    sample_comments_list(&m, 2);
    check_every_field_counts(m.root, &reply_comments_list);
    check_every_field_counts(&tp_map_get(m.root, "comments")->via.array.ptr[0], &reply_comment);
    tp_msg_free(&m);
}

static void a_session_is_refused_without_is_admin(void)
{
    tp_msg m, changed;
    sample_session(&m);
    sample_change(&changed, tp_map_get(m.root, "user"), "is_admin", NULL);
    tp_w w;
    sample_begin(&w);
    tp_w_kobject(&w, "user", changed.root);
    tp_msg bad;
    sample_end(&w, &bad);
    CHECK_STR_EQ(refusal(bad.root, &reply_auth_session), "user.is_admin: missing");
    /* A public user (auth.users_get) has no is_admin: that is not a "me". */
    CHECK(fits(changed.root, &reply_user));
    CHECK(!fits(changed.root, &reply_me));
    tp_msg_free(&bad);
    tp_msg_free(&changed);
    tp_msg_free(&m);
}

/* ---- bounds ---- */

static void integers_out_of_range_are_refused(void)
{
    static const struct {
        const char *key;
        int64_t value;
        bool fits;
    } cases[] = {
        {"id", 0, false},
        {"id", -1, false},
        {"id", INT64_MAX, true},
        {"author_id", 0, false},
        {"created_at", -1, false},
        {"created_at", 0, true},
        /* 9999-12-31T23:59:59Z is the last time gmtime_r and strftime are asked to show */
        {"updated_at", 253402300799, true},
        {"updated_at", 253402300800, false},
    };
    tp_msg m;
    sample_talks_get(&m);
    const msgpack_object *talk = tp_map_get(m.root, "talk");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_w w;
        tp_msg changed;
        tp_w_init(&w);
        tp_w_map_begin(&w);
        tp_w_kint(&w, cases[i].key, cases[i].value);
        for (uint32_t j = 0; j < talk->via.map.size; j++) {
            const msgpack_object_kv *kv = &talk->via.map.ptr[j];
            if (tp_obj_is_str(&kv->key, cases[i].key)) continue;
            tp_w_keyn(&w, kv->key.via.str.ptr, kv->key.via.str.size);
            tp_w_object(&w, &kv->val);
        }
        tp_w_map_end(&w);
        if (tp_msg_parse(&changed, w.buf.data, w.buf.len) != 0) abort();
        if (fits(changed.root, &reply_talk) != cases[i].fits)
            fprintf(stderr, "  %s = %lld\n", cases[i].key, (long long)cases[i].value);
        CHECK(fits(changed.root, &reply_talk) == cases[i].fits);
        tp_msg_free(&changed);
        tp_w_free(&w);
    }
    tp_msg_free(&m);
}

/* page and pages: (page - 1) * per_page must not overflow in the gateway. */
static void pages_are_bounded(void)
{
    static const int64_t pages[] = {0, -5, 2147483648LL, INT64_MAX};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        tp_w w;
        tp_msg m;
        sample_begin(&w);
        tp_w_key(&w, "comments");
        tp_w_array_begin(&w);
        tp_w_array_end(&w);
        tp_w_kint(&w, "page", pages[i]);
        tp_w_kint(&w, "pages", 1);
        tp_w_kint(&w, "total", 0);
        tp_w_kint(&w, "approved_total", 0);
        sample_end(&w, &m);
        CHECK(!fits(m.root, &reply_comments_list));
        tp_msg_free(&m);
    }
}

static void text_too_long_or_not_utf8_is_refused(void)
{
    char title[1026];
    memset(title, 'x', sizeof title);
    const struct {
        const char *p;
        size_t n;
    } bad[] = {{title, 1025}, {"caf\xc3", 4}, {"nul\0byte", 8}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tp_w w;
        tp_msg m;
        sample_begin(&w);
        tp_w_key(&w, "talks");
        tp_w_map_begin(&w);
        tp_w_key(&w, "3");
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", 3);
        tp_w_kstrn(&w, "title", bad[i].p, bad[i].n);
        tp_w_map_end(&w);
        tp_w_map_end(&w);
        sample_end(&w, &m);
        CHECK_STR_EQ(refusal(m.root, &reply_talks_titles),
                     "talks[0].title: not text of at most 1024 bytes");
        tp_msg_free(&m);
    }
}

static void lists_and_dicts_longer_than_a_page_are_refused(void)
{
    tp_msg m;
    sample_talks_list(&m, 101);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_list), "talks: not a list of at most 100");
    tp_msg_free(&m);
    sample_users_get(&m, 102); /* a talk's speaker and a page of 100 commenters fit */
    CHECK_STR_EQ(refusal(m.root, &reply_auth_users_get), "users: not a map of at most 101 entries");
    tp_msg_free(&m);
    sample_comments_list(&m, 101);
    CHECK(!fits(m.root, &reply_comments_list));
    tp_msg_free(&m);
}

/* ---- nested types ---- */

static void wrong_types_deep_inside_are_refused_and_named(void)
{
    tp_w w;
    tp_msg m;

    sample_begin(&w); /* talks: a map instead of a list */
    tp_w_key(&w, "talks");
    w_map(&w);
    tp_w_kint(&w, "page", 1);
    tp_w_kint(&w, "pages", 1);
    tp_w_kint(&w, "total", 0);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_list), "talks: not a list of at most 100");
    tp_msg_free(&m);

    sample_begin(&w); /* the second talk is a string */
    tp_w_key(&w, "talks");
    tp_w_array_begin(&w);
    sample_talk(&w, 1, 7);
    tp_w_str(&w, "talk");
    tp_w_array_end(&w);
    tp_w_kint(&w, "page", 1);
    tp_w_kint(&w, "pages", 1);
    tp_w_kint(&w, "total", 2);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_list), "talks[1]: not a map");
    tp_msg_free(&m);

    sample_begin(&w); /* slides.url is a number */
    tp_w_key(&w, "talk");
    tp_w_map_begin(&w);
    tp_w_kint(&w, "id", 1);
    tp_w_kint(&w, "author_id", 7);
    tp_w_kstr(&w, "title", "t");
    tp_w_kstr(&w, "description", "");
    tp_w_kstr(&w, "venue", "v");
    tp_w_kstr(&w, "venue_url", "");
    tp_w_kstr(&w, "date", "2024-02-03");
    tp_w_key(&w, "slides");
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "provider", "pdf");
    tp_w_kstr(&w, "provider_title", "PDF");
    tp_w_kint(&w, "url", 5);
    tp_w_map_end(&w);
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_get),
                 "talk.slides.url: not text of at most 2048 bytes");
    tp_msg_free(&m);

    sample_begin(&w); /* a user in users_get is a list */
    tp_w_key(&w, "users");
    tp_w_map_begin(&w);
    tp_w_key(&w, "7");
    w_list(&w);
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_auth_users_get), "users[0]: not a map");
    tp_msg_free(&m);

    static void (*const bad_counts[])(tp_w *) = {w_str_1, w_nil, w_map};
    for (size_t i = 0; i < sizeof bad_counts / sizeof bad_counts[0]; i++) {
        sample_begin(&w); /* a comment count that is not a count */
        tp_w_key(&w, "counts");
        tp_w_map_begin(&w);
        tp_w_kint(&w, "1", 4);
        tp_w_key(&w, "2");
        bad_counts[i](&w);
        tp_w_map_end(&w);
        sample_end(&w, &m);
        CHECK_STR_EQ(refusal(m.root, &reply_comments_approved_counts), "counts[1]: not a count");
        tp_msg_free(&m);
    }
    sample_begin(&w);
    tp_w_key(&w, "counts");
    tp_w_map_begin(&w);
    tp_w_kint(&w, "1", -1);
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK(!fits(m.root, &reply_comments_approved_counts));
    tp_msg_free(&m);
}

static void optional_fields_may_be_missing_or_nil(void)
{
    tp_w w;
    tp_msg m;
    sample_begin(&w); /* no pending_all: the reader is not an admin */
    tp_w_kint(&w, "pending", 2);
    sample_end(&w, &m);
    CHECK(fits(m.root, &reply_comments_counts));
    tp_msg_free(&m);
    sample_begin(&w);
    tp_w_kint(&w, "pending", 2);
    tp_w_kstr(&w, "pending_all", "2");
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_comments_counts),
                 "pending_all: not an integer from 0 to 9223372036854775807");
    tp_msg_free(&m);

    sample_begin(&w); /* a comment form's errors: only the refused fields */
    tp_w_kstr(&w, "body", "Please write something.");
    sample_end(&w, &m);
    CHECK(fits(m.root, &reply_comment_errors));
    tp_msg_free(&m);
}

/* A session goes into a Set-Cookie header: only a cookie-safe token will do. */
static void a_session_must_be_a_cookie_token(void)
{
    static const struct {
        const char *session;
        bool fits;
    } cases[] = {
        {"abcDEF012-_", true},
        {"", false},
        {"abc; Domain=evil.example", false},
        {"abc\r\nSet-Cookie: x=y", false},
        {"0123456789012345678901234567890123456789012345678901234567890123", false}, /* 64 */
        {"012345678901234567890123456789012345678901234567890123456789012", true},   /* 63 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_w w;
        tp_msg m;
        sample_begin(&w);
        tp_w_kstr(&w, "session", cases[i].session);
        tp_w_kint(&w, "expires_in", 86400);
        sample_end(&w, &m);
        if (fits(m.root, &reply_auth_login) != cases[i].fits)
            fprintf(stderr, "  session \"%s\"\n", cases[i].session);
        CHECK(fits(m.root, &reply_auth_login) == cases[i].fits);
        tp_msg_free(&m);
    }
}

/* ---- writing ---- */

static void reply_write_copies_declared_fields_only(void)
{
    tp_w w;
    tp_msg m, out;
    sample_begin(&w);
    tp_w_kint(&w, "id", 7);
    tp_w_kstr(&w, "username", "ann");
    tp_w_kstr(&w, "name", "Ann");
    tp_w_kstr(&w, "location", "");
    tp_w_kstr(&w, "bio", "");
    tp_w_kstr(&w, "avatar_initial", "A");
    tp_w_kint(&w, "avatar_hue", 0);
    tp_w_kstr(&w, "email", "ann@example.org"); /* not for everyone's eyes */
    tp_w_key(&w, "deep");                      /* 20 arrays, one inside the other, around nil */
    static const unsigned char deep[] = {0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0xc0};
    tp_w_encoded(&w, deep, sizeof deep);
    sample_end(&w, &m);
    CHECK(fits(m.root, &reply_user)); /* fields it does not know are allowed… */
    tp_w_init(&w);
    reply_write(&w, m.root, &reply_user);
    CHECK(tp_msg_parse(&out, w.buf.data, w.buf.len) == 0);
    CHECK(out.root && out.root->via.map.size == reply_user.nfields); /* …but never copied */
    CHECK(tp_map_get(out.root, "email") == NULL);
    CHECK(tp_map_get(out.root, "deep") == NULL);
    CHECK(tp_map_get(out.root, "ok") == NULL);
    tp_msg_free(&out);
    tp_w_free(&w);
    tp_msg_free(&m);

    tp_w_init(&w); /* no user: nil */
    reply_write(&w, NULL, &reply_user);
    CHECK(w.buf.len == 1 && (unsigned char)w.buf.data[0] == 0xc0);
    tp_w_free(&w);
}

/* ---- by op (reply_answer: what gw_call gives the page) ---- */

static void reply_answer_checks_the_ops_shape_and_reads_the_error_once(void)
{
    tp_msg good, bad, no, invalid, invalid_bad;
    sample_users_get(&good, 2);
    tp_w w;
    sample_begin(&w);
    tp_w_kstr(&w, "users", "everyone");
    sample_end(&w, &bad);
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", false);
    tp_w_kstr(&w, "err", "forbidden");
    tp_w_map_end(&w);
    if (tp_msg_parse(&no, w.buf.data, w.buf.len) != 0) abort();
    tp_w_free(&w);
    for (int fit = 0; fit < 2; fit++) { /* a refused form: "fields" must fit too */
        tp_w_init(&w);
        tp_w_map_begin(&w);
        tp_w_kbool(&w, "ok", false);
        tp_w_kstr(&w, "err", "invalid");
        tp_w_key(&w, "fields");
        tp_w_map_begin(&w);
        if (fit)
            tp_w_kstr(&w, "title", "Please give the talk a title.");
        else
            tp_w_kint(&w, "title", 7);
        tp_w_map_end(&w);
        tp_w_map_end(&w);
        if (tp_msg_parse(fit ? &invalid : &invalid_bad, w.buf.data, w.buf.len) != 0) abort();
        tp_w_free(&w);
    }

    char why[200] = "";
    CHECK(reply_answer(TP_OP_AUTH_USERS_GET, good.root, why, sizeof why) == TP_OK);
    CHECK(reply_answer(TP_OP_AUTH_USERS_GET, bad.root, why, sizeof why) == TP_EUNAVAILABLE);
    CHECK(strstr(why, "users") && strstr(why, "auth.users_get"));
    CHECK(reply_answer(TP_OP_AUTH_USERS_GET, no.root, why, sizeof why) == TP_EFORBIDDEN);
    CHECK(reply_answer(TP_OP_TALKS_UPDATE, invalid.root, why, sizeof why) == TP_EINVAL);
    CHECK(reply_answer(TP_OP_TALKS_UPDATE, invalid_bad.root, why, sizeof why) == TP_EUNAVAILABLE);
    /* The gateway reads nothing of a comments.approve reply but its error. */
    CHECK(reply_answer(TP_OP_COMMENTS_APPROVE, bad.root, why, sizeof why) == TP_OK);
    CHECK(reply_err(no.root) == TP_EFORBIDDEN);
    tp_msg_free(&good);
    tp_msg_free(&bad);
    tp_msg_free(&no);
    tp_msg_free(&invalid);
    tp_msg_free(&invalid_bad);
}

/* A declared field given twice is refused, whichever copy is the good one: a reader finds one
 * copy and a check another would let the unchecked one through. Undeclared keys may repeat. */
static void a_declared_field_given_twice_is_refused(void)
{
    tp_w w;
    tp_msg m;
    sample_begin(&w);
    tp_w_key(&w, "talk");
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "title", "<script>");
    tp_w_kint(&w, "title", 7);
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_get), "talk.title: given twice");
    tp_msg_free(&m);

    tp_msg talk;
    sample_talks_get(&talk);
    const msgpack_object *good = tp_map_get(talk.root, "talk");
    sample_begin(&w);
    tp_w_key(&w, "talk");
    tp_w_map_begin(&w);
    for (uint32_t i = 0; i < good->via.map.size; i++) {
        tp_w_keyn(&w, good->via.map.ptr[i].key.via.str.ptr, good->via.map.ptr[i].key.via.str.size);
        tp_w_object(&w, &good->via.map.ptr[i].val);
    }
    tp_w_kint(&w, "id", 2); /* a second id, as good as the first */
    tp_w_kstr(&w, "extra", "a");
    tp_w_kstr(&w, "extra", "b");
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK_STR_EQ(refusal(m.root, &reply_talks_get), "talk.id: given twice");
    tp_msg_free(&m);

    sample_begin(&w); /* the same talk with only the undeclared key twice: accepted */
    tp_w_key(&w, "talk");
    tp_w_map_begin(&w);
    for (uint32_t i = 0; i < good->via.map.size; i++) {
        tp_w_keyn(&w, good->via.map.ptr[i].key.via.str.ptr, good->via.map.ptr[i].key.via.str.size);
        tp_w_object(&w, &good->via.map.ptr[i].val);
    }
    tp_w_kstr(&w, "extra", "a");
    tp_w_kstr(&w, "extra", "b");
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK(fits(m.root, &reply_talks_get));
    tp_msg_free(&m);
    tp_msg_free(&talk);
}

/* Fields in any order are found and checked (services write them in their shape's order, which
 * the lookups try first). */
static void fields_in_another_order_are_read_the_same(void)
{
    tp_msg talk;
    sample_talks_get(&talk);
    const msgpack_object *good = tp_map_get(talk.root, "talk");
    tp_w w;
    tp_msg m;
    sample_begin(&w);
    tp_w_key(&w, "talk");
    tp_w_map_begin(&w);
    for (uint32_t i = good->via.map.size; i-- > 0;) {
        tp_w_keyn(&w, good->via.map.ptr[i].key.via.str.ptr, good->via.map.ptr[i].key.via.str.size);
        tp_w_object(&w, &good->via.map.ptr[i].val);
    }
    tp_w_map_end(&w);
    sample_end(&w, &m);
    CHECK(fits(m.root, &reply_talks_get));
    tp_w out;
    tp_w_init(&out);
    reply_write(&out, tp_map_get(m.root, "talk"), &reply_talk);
    tp_msg copy;
    CHECK(tp_msg_parse(&copy, out.buf.data, out.buf.len) == 0);
    int64_t id = 0;
    tp_str title = {0};
    CHECK(tp_get_int(copy.root, "id", 1, INT64_MAX, &id) == 0 && id == 1);
    CHECK(tp_get_str(copy.root, "title", 100, &title) == 0 &&
          tp_str_eq(title, "Parsing with care"));
    CHECK(copy.root->via.map.size == reply_talk.nfields);
    tp_msg_free(&copy);
    tp_w_free(&out);
    tp_msg_free(&m);
    tp_msg_free(&talk);
}

static const check_case cases[] = {
    CASE(talks_get_that_says_ok_without_a_talk_is_refused),
    CASE(well_formed_replies_are_accepted),
    CASE(every_field_of_a_talk_is_required_and_typed),
    CASE(every_field_of_a_user_is_required_and_typed),
    CASE(every_field_of_a_comment_is_required_and_typed),
    CASE(a_session_is_refused_without_is_admin),
    CASE(integers_out_of_range_are_refused),
    CASE(pages_are_bounded),
    CASE(text_too_long_or_not_utf8_is_refused),
    CASE(lists_and_dicts_longer_than_a_page_are_refused),
    CASE(wrong_types_deep_inside_are_refused_and_named),
    CASE(optional_fields_may_be_missing_or_nil),
    CASE(a_session_must_be_a_cookie_token),
    CASE(reply_write_copies_declared_fields_only),
    CASE(reply_answer_checks_the_ops_shape_and_reads_the_error_once),
    CASE(a_declared_field_given_twice_is_refused),
    CASE(fields_in_another_order_are_read_the_same),
};

CHECK_MAIN("gateway_reply", cases)
