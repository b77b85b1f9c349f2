/* reply: reply shapes and their checker (see reply.h). */
#include "reply.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tp_fmt.h"
#include "tp_ops.h"

/* Bounds: each above anything its service sends (the service's own limit is named), and low
 * enough that nothing a page computes from the value can overflow. */
#define ID_MAX      INT64_MAX
#define PAGE_MAX    INT32_MAX       /* (page - 1) * per_page stays far inside int64 */
#define TIME_MAX    TP_FMT_TIME_MAX /* 9999-12-31T23:59:59Z, the last time tp_fmt_utc shows */
#define TEXT_NAME   1024            /* names, titles, venues, emails: at most 128 characters */
#define TEXT_URL    2048            /* TP_URL_MAX is 512 */
#define TEXT_LONG   65536           /* descriptions (5000 characters), bios, comment sources */
#define TEXT_HTML   (256 * 1024)    /* svc-comments' MARKDOWN_OUTPUT_MAX */
#define PAGE_ITEMS  100             /* the services' PER_PAGE_MAX and TALK_IDS_MAX */
#define USERS_ITEMS 101 /* svc-auth's USERS_GET_MAX: a speaker and a page of commenters */
#define NAMES_ITEMS 500 /* TP_NAMES_AFTER_MAX: the profile changes of one auth.names_after */
#define COUNT_MAX   INT64_MAX

/* Table entries (clang-format would spread each over four lines). */
/* clang-format off */
#define F_STR(k, max)        {k, REPLY_STR, false, 0, max, NULL, sizeof k - 1}
#define F_TOKEN(k)           {k, REPLY_TOKEN, false, 0, REPLY_SECRET_MAX, NULL, sizeof k - 1}
#define F_OPT_STR(k, max)    {k, REPLY_STR, true, 0, max, NULL, sizeof k - 1}
#define F_INT(k, lo, hi)     {k, REPLY_INT, false, lo, hi, NULL, sizeof k - 1}
#define F_OPT_INT(k, lo, hi) {k, REPLY_INT, true, lo, hi, NULL, sizeof k - 1}
#define F_BOOL(k)            {k, REPLY_BOOL, false, 0, 0, NULL, sizeof k - 1}
#define F_OPT_BOOL(k)        {k, REPLY_BOOL, true, 0, 0, NULL, sizeof k - 1}
#define F_MAP(k, s)          {k, REPLY_MAP, false, 0, 0, &s, sizeof k - 1}
#define F_OPT_MAP(k, s)      {k, REPLY_MAP, true, 0, 0, &s, sizeof k - 1}
#define F_LIST(k, s)         {k, REPLY_LIST, false, 0, PAGE_ITEMS, &s, sizeof k - 1}
#define F_DICT(k, s)         {k, REPLY_DICT, false, 0, PAGE_ITEMS, &s, sizeof k - 1}
#define F_COUNTS(k)          {k, REPLY_COUNTS, false, 0, PAGE_ITEMS, NULL, sizeof k - 1}
#define SHAPE(name, fields)  {name, fields, sizeof fields / sizeof fields[0]}
/* clang-format on */

/* ---- maps inside replies ---- */

static const reply_field media_fields[] = {
    F_STR("provider", 32),  F_STR("provider_title", TEXT_NAME),
    F_STR("url", TEXT_URL), F_STR("embed_url", TEXT_URL),
    F_BOOL("is_pdf"),       F_BOOL("is_link"),
};
const reply_shape reply_media = SHAPE("media", media_fields);

#define TALK_FIELDS                                                                                \
    F_INT("id", 1, ID_MAX), F_INT("author_id", 1, ID_MAX), F_STR("title", TEXT_NAME),              \
        F_STR("description", TEXT_LONG), F_STR("venue", TEXT_NAME), F_STR("venue_url", TEXT_URL),  \
        F_STR("date", 32), F_OPT_MAP("slides", reply_media), F_OPT_MAP("video", reply_media),      \
        F_INT("created_at", 0, TIME_MAX), F_INT("updated_at", 0, TIME_MAX)
static const reply_field talk_fields[] = {TALK_FIELDS};
const reply_shape reply_talk = SHAPE("talk", talk_fields);
static const reply_field talk_card_fields[] = {
    F_STR("title", TEXT_NAME), F_STR("description", TEXT_LONG), F_STR("venue", TEXT_NAME),
    F_STR("venue_url", TEXT_URL), F_STR("date", 32)};
const reply_shape reply_talk_card = SHAPE("talk card", talk_card_fields);
/* A search hit: a talk and its excerpt (its matched words between U+E000 and U+E001). */
static const reply_field hit_fields[] = {TALK_FIELDS, F_STR("excerpt", TEXT_LONG)};
static const reply_shape hit = SHAPE("search hit", hit_fields);

/* avatar_hue picks one of svc-auth's twelve colours (avatar-hue-0 … 11 in talks.css). */
#define USER_FIELDS                                                                                \
    F_INT("id", 1, ID_MAX), F_STR("username", 64), F_STR("name", TEXT_NAME),                       \
        F_STR("location", TEXT_NAME), F_STR("bio", TEXT_LONG), F_STR("avatar_initial", 8),         \
        F_INT("avatar_hue", 0, 11)
static const reply_field user_fields[] = {USER_FIELDS};
const reply_shape reply_user = SHAPE("user", user_fields);
static const reply_field user_card_fields[] = {F_STR("username", 64), F_STR("name", TEXT_NAME),
                                               F_STR("avatar_initial", 8),
                                               F_INT("avatar_hue", 0, 11)};
const reply_shape reply_user_card = SHAPE("user card", user_card_fields);
static const reply_field me_fields[] = {USER_FIELDS, F_STR("email", TEXT_NAME), F_BOOL("is_admin"),
                                        F_STR("profile_name", TEXT_NAME)};
const reply_shape reply_me = SHAPE("user", me_fields);

static const reply_field comment_fields[] = {
    F_INT("id", 1, ID_MAX),
    F_INT("talk_id", 1, ID_MAX),
    F_INT("author_id", 0, ID_MAX), /* 0: a visitor */
    F_STR("author_name", TEXT_NAME),
    F_STR("author_email", TEXT_NAME),
    F_BOOL("approved"),
    F_STR("body", TEXT_LONG),
    F_STR("body_html", TEXT_HTML),
    F_INT("created_at", 0, TIME_MAX),
};
const reply_shape reply_comment = SHAPE("comment", comment_fields);

static const reply_field title_fields[] = {F_INT("id", 1, ID_MAX), F_STR("title", TEXT_NAME)};
static const reply_shape title = SHAPE("talk title", title_fields);

static const reply_field created_fields[] = {F_INT("id", 1, ID_MAX), F_BOOL("approved")};
static const reply_shape created = SHAPE("new comment", created_fields);

/* ---- whole replies ---- */

#define PAGING F_INT("page", 1, PAGE_MAX), F_INT("pages", 1, PAGE_MAX), F_INT("total", 0, COUNT_MAX)

/* state: of talks.db when the talk was read (talks_cache.h); absent from a svc-talks older than
 * that, whose talks are then remembered for the page cache's lifetime only. */
static const reply_field talks_get[] = {F_MAP("talk", reply_talk),
                                        F_OPT_INT("state", 0, COUNT_MAX)};
const reply_shape reply_talks_get = SHAPE("talks.get", talks_get);
static const reply_field talks_state[] = {F_INT("state", 0, COUNT_MAX)};
const reply_shape reply_talks_state = SHAPE("talks.state", talks_state);
/* author_id, per_page and state: what page of which list it is, as of which talks.db state
 * (talks_cache.h); absent from an older svc-talks. */
static const reply_field talks_list[] = {
    F_LIST("talks", reply_talk), PAGING, F_OPT_INT("author_id", 0, ID_MAX),
    F_OPT_INT("per_page", 1, COUNT_MAX), F_OPT_INT("state", 0, COUNT_MAX)};
const reply_shape reply_talks_list = SHAPE("talks.list", talks_list);
/* ranked: best first; false: too many matched to rank, newest first. total_exact false: more
 * than total match (svc-talks/search.h); absent from a svc-talks older than that: true. */
static const reply_field talks_search[] = {F_LIST("talks", hit), PAGING, F_BOOL("ranked"),
                                           F_OPT_BOOL("total_exact")};
const reply_shape reply_talks_search = SHAPE("talks.search", talks_search);
static const reply_field talks_titles[] = {F_DICT("talks", title)};
const reply_shape reply_talks_titles = SHAPE("talks.titles", talks_titles);
static const reply_field talks_saved[] = {F_INT("id", 1, ID_MAX)};
const reply_shape reply_talks_saved = SHAPE("talks.create/update", talks_saved);
static const reply_field talks_deleted[] = {F_INT("id", 1, ID_MAX), F_INT("author_id", 1, ID_MAX)};
const reply_shape reply_talks_deleted = SHAPE("talks.delete", talks_deleted);

static const reply_field auth_session[] = {F_MAP("user", reply_me)};
const reply_shape reply_auth_session = SHAPE("auth.session", auth_session);
const reply_shape reply_auth_token_check = SHAPE("auth.token_check", auth_session);
/* seq: as auth.users_get's, below (absent from an older svc-auth). */
static const reply_field auth_user_get[] = {F_MAP("user", reply_user),
                                            F_OPT_INT("seq", 0, COUNT_MAX)};
const reply_shape reply_auth_user_get = SHAPE("auth.user_get", auth_user_get);
/* seq: the newest profile change number as of the users read (users_cache.h); absent from a
 * svc-auth older than that, whose users are then remembered for the page cache's lifetime only. */
static const reply_field auth_users_get[] = {
    {"users", REPLY_DICT, false, 0, USERS_ITEMS, &reply_user, sizeof "users" - 1},
    F_OPT_INT("seq", 0, COUNT_MAX)};
const reply_shape reply_auth_users_get = SHAPE("auth.users_get", auth_users_get);
static const reply_field profile_change_fields[] = {
    F_INT("id", 1, ID_MAX), F_STR("name", TEXT_NAME), F_INT("seq", 1, COUNT_MAX)};
static const reply_shape profile_change = SHAPE("profile change", profile_change_fields);
static const reply_field auth_names_after[] = {
    {"users", REPLY_LIST, false, 0, NAMES_ITEMS, &profile_change, sizeof "users" - 1},
    F_INT("last", 0, COUNT_MAX)};
const reply_shape reply_auth_names_after = SHAPE("auth.names_after", auth_names_after);
static const reply_field auth_login[] = {F_TOKEN("session"), F_INT("expires_in", 1, INT32_MAX)};
const reply_shape reply_auth_login = SHAPE("auth.login", auth_login);
static const reply_field auth_token_create[] = {F_TOKEN("token"),
                                                F_INT("expires_in", 1, INT32_MAX)};
const reply_shape reply_auth_token_create = SHAPE("auth.token_create", auth_token_create);

static const reply_field comments_list[] = {F_LIST("comments", reply_comment), PAGING,
                                            F_INT("approved_total", 0, COUNT_MAX),
                                            F_OPT_INT("live_seq", 0, COUNT_MAX)};
const reply_shape reply_comments_list = SHAPE("comments.list", comments_list);
static const reply_field comments_pending[] = {F_LIST("comments", reply_comment), PAGING};
const reply_shape reply_comments_pending = SHAPE("comments.pending", comments_pending);
static const reply_field comments_own[] = {F_LIST("comments", reply_comment)};
static const reply_shape reply_comments_own = SHAPE("comments.own", comments_own);
static const reply_field comments_commenter[] = {F_INT("count", 0, COUNT_MAX)};
static const reply_shape reply_comments_commenter =
    SHAPE("comments.commenter_approve/delete", comments_commenter);
static const reply_field comments_counts[] = {F_INT("pending", 0, COUNT_MAX),
                                              F_OPT_INT("pending_all", 0, COUNT_MAX)};
const reply_shape reply_comments_counts = SHAPE("comments.counts", comments_counts);
static const reply_field comments_moderated[] = {F_OPT_INT("talk_id", 1, ID_MAX)};
const reply_shape reply_comments_moderated = SHAPE("comments.approve/delete", comments_moderated);
static const reply_field comments_approved_counts[] = {F_COUNTS("counts")};
const reply_shape reply_comments_approved_counts =
    SHAPE("comments.approved_counts", comments_approved_counts);
static const reply_field comments_created[] = {F_MAP("comment", created),
                                               F_INT("rank", 0, COUNT_MAX)};
const reply_shape reply_comments_created = SHAPE("comments.create", comments_created);
/* comments.live: a comment with the live change number it came with, and its 0-based place
 * among what the reader sees (the talk page numbers comments from it). */
static const reply_field live_comment_fields[] = {
    F_INT("seq", 1, COUNT_MAX), F_INT("rank", 0, COUNT_MAX), F_MAP("comment", reply_comment)};
static const reply_shape live_comment = SHAPE("live comment", live_comment_fields);
/* gap is optional: a svc-comments from before pruning (a rolling update) never says it. */
static const reply_field comments_live[] = {F_LIST("comments", live_comment),
                                            F_INT("seq", 0, COUNT_MAX), F_BOOL("more"),
                                            F_OPT_BOOL("gap")};
static const reply_shape reply_comments_live = SHAPE("comments.live", comments_live);
static const reply_field comments_preview[] = {F_STR("html", TEXT_HTML)};
const reply_shape reply_comments_preview = SHAPE("comments.preview", comments_preview);

static const reply_field mail_unsubscribe_info[] = {
    F_INT("talk_id", 1, ID_MAX), F_STR("email_hint", TEXT_NAME), F_BOOL("active")};
const reply_shape reply_mail_unsubscribe_info =
    SHAPE("mail.unsubscribe_info", mail_unsubscribe_info);
static const reply_field mail_unsubscribe[] = {F_INT("talk_id", 1, ID_MAX)};
const reply_shape reply_mail_unsubscribe = SHAPE("mail.unsubscribe", mail_unsubscribe);

/* ---- the field errors of invalid replies (TP_TEXT_MESSAGE_MAX is 128 bytes) ---- */

static const reply_field talk_errors[] = {
    F_OPT_STR("title", TEXT_NAME),  F_OPT_STR("description", TEXT_NAME),
    F_OPT_STR("slides", TEXT_NAME), F_OPT_STR("video", TEXT_NAME),
    F_OPT_STR("venue", TEXT_NAME),  F_OPT_STR("venue_url", TEXT_NAME),
    F_OPT_STR("date", TEXT_NAME),
};
const reply_shape reply_talk_errors = SHAPE("talk errors", talk_errors);
static const reply_field comment_errors[] = {
    F_OPT_STR("name", TEXT_NAME), F_OPT_STR("email", TEXT_NAME), F_OPT_STR("body", TEXT_NAME)};
const reply_shape reply_comment_errors = SHAPE("comment errors", comment_errors);
static const reply_field profile_errors[] = {
    F_OPT_STR("name", TEXT_NAME), F_OPT_STR("location", TEXT_NAME), F_OPT_STR("bio", TEXT_NAME)};
const reply_shape reply_profile_errors = SHAPE("profile errors", profile_errors);
static const reply_field password_errors[] = {F_OPT_STR("current", TEXT_NAME),
                                              F_OPT_STR("password", TEXT_NAME),
                                              F_OPT_STR("confirm", TEXT_NAME)};
const reply_shape reply_password_errors = SHAPE("password errors", password_errors);

/* ---- by op: what its ok reply holds, and the "fields" of its invalid reply ---- */

static const struct {
    const reply_shape *ok, *invalid;
} by_op[TP_OP_COUNT] = {
    [TP_OP_AUTH_LOGIN] = {&reply_auth_login, NULL},
    [TP_OP_AUTH_SESSION] = {&reply_auth_session, NULL},
    [TP_OP_AUTH_USER_GET] = {&reply_auth_user_get, NULL},
    [TP_OP_AUTH_USERS_GET] = {&reply_auth_users_get, NULL},
    [TP_OP_AUTH_NAMES_AFTER] = {&reply_auth_names_after, NULL},
    [TP_OP_AUTH_PROFILE_UPDATE] = {NULL, &reply_profile_errors},
    [TP_OP_AUTH_PASSWORD_CHANGE] = {NULL, &reply_password_errors},
    [TP_OP_AUTH_RESET_USE] = {NULL, &reply_password_errors},
    [TP_OP_AUTH_TOKEN_CREATE] = {&reply_auth_token_create, NULL},
    [TP_OP_AUTH_TOKEN_CHECK] = {&reply_auth_token_check, NULL},
    [TP_OP_TALKS_LIST] = {&reply_talks_list, NULL},
    [TP_OP_TALKS_SEARCH] = {&reply_talks_search, NULL},
    [TP_OP_TALKS_GET] = {&reply_talks_get, NULL},
    [TP_OP_TALKS_TITLES] = {&reply_talks_titles, NULL},
    [TP_OP_TALKS_STATE] = {&reply_talks_state, NULL},
    [TP_OP_TALKS_CREATE] = {&reply_talks_saved, &reply_talk_errors},
    [TP_OP_TALKS_UPDATE] = {&reply_talks_saved, &reply_talk_errors},
    [TP_OP_TALKS_DELETE] = {&reply_talks_deleted, NULL},
    [TP_OP_COMMENTS_PREVIEW] = {&reply_comments_preview, NULL},
    [TP_OP_COMMENTS_CREATE] = {&reply_comments_created, &reply_comment_errors},
    [TP_OP_COMMENTS_LIST] = {&reply_comments_list, NULL},
    [TP_OP_COMMENTS_PENDING] = {&reply_comments_pending, NULL},
    [TP_OP_COMMENTS_OWN] = {&reply_comments_own, NULL},
    [TP_OP_COMMENTS_COMMENTER_APPROVE] = {&reply_comments_commenter, NULL},
    [TP_OP_COMMENTS_COMMENTER_DELETE] = {&reply_comments_commenter, NULL},
    [TP_OP_COMMENTS_COUNTS] = {&reply_comments_counts, NULL},
    [TP_OP_COMMENTS_APPROVE] = {&reply_comments_moderated, NULL},
    [TP_OP_COMMENTS_DELETE] = {&reply_comments_moderated, NULL},
    [TP_OP_COMMENTS_APPROVED_COUNTS] = {&reply_comments_approved_counts, NULL},
    [TP_OP_COMMENTS_LIVE] = {&reply_comments_live, NULL},
    [TP_OP_MAIL_UNSUBSCRIBE_INFO] = {&reply_mail_unsubscribe_info, NULL},
    [TP_OP_MAIL_UNSUBSCRIBE] = {&reply_mail_unsubscribe, NULL},
};

const reply_shape *reply_shape_ok(int op)
{
    return op >= 0 && op < TP_OP_COUNT ? by_op[op].ok : NULL;
}

const reply_shape *reply_shape_invalid(int op)
{
    return op >= 0 && op < TP_OP_COUNT ? by_op[op].invalid : NULL;
}

/* ---- checking ---- */

/* Where a check is in the reply: a field of the map above, or an entry of its list or dict.
 * The text ("talks[3].title") is written only when a reply is refused: a page of talks is
 * hundreds of fields, and formatting each one's place took more time than checking it. */
typedef struct place {
    const struct place *up; /* NULL at the reply's root */
    const char *key;        /* a field, or NULL for entry `index` of up */
    uint32_t index;
} place;

static void place_write(const place *at, char *out, size_t outlen, size_t *n)
{
    if (!at->up) return; /* the root */
    place_write(at->up, out, outlen, n);
    if (*n >= outlen) return;
    int k = at->key
                ? snprintf(out + *n, outlen - *n, "%s%s", at->up && at->up->up ? "." : "", at->key)
                : snprintf(out + *n, outlen - *n, "[%" PRIu32 "]", at->index);
    *n += k > 0 ? (size_t)k : 0;
}

static int refuse(char *why, size_t whylen, const place *at, const char *what)
{
    char where[160] = "reply";
    size_t n = 0; /* the root stays "reply" */
    place_write(at, where, sizeof where, &n);
    snprintf(why, whylen, "%s: %s", where, what);
    return -1;
}

static int check_map(const msgpack_object *o, const reply_shape *shape, const place *at, char *why,
                     size_t whylen);

static bool is_token(tp_str s)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return s.n > 0;
}

/* Each entry of a list or dict: a map of f->of, or for counts an integer >= 0. */
static int check_entry(const msgpack_object *v, const reply_field *f, const place *up, uint32_t i,
                       char *why, size_t whylen)
{
    place item = {up, NULL, i};
    if (f->kind != REPLY_COUNTS) return check_map(v, f->of, &item, why, whylen);
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX) return 0;
    return refuse(why, whylen, &item, "not a count");
}

/* A declared field's value, not nil. */
static int check_value(const msgpack_object *v, const reply_field *f, const place *at, char *why,
                       size_t whylen)
{
    char what[80];
    tp_str s;
    int64_t n;
    bool b;
    switch (f->kind) {
    case REPLY_STR:
        if (tp_str_of(v, (size_t)f->max, &s) == 0) return 0;
        snprintf(what, sizeof what, "not text of at most %" PRId64 " bytes", f->max);
        return refuse(why, whylen, at, what);
    case REPLY_TOKEN:
        if (tp_str_of(v, (size_t)f->max, &s) == 0 && is_token(s)) return 0;
        snprintf(what, sizeof what, "not a token of 1 to %" PRId64 " letters, digits, - or _",
                 f->max);
        return refuse(why, whylen, at, what);
    case REPLY_INT:
        if (tp_int_of(v, f->min, f->max, &n) == 0) return 0;
        snprintf(what, sizeof what, "not an integer from %" PRId64 " to %" PRId64, f->min, f->max);
        return refuse(why, whylen, at, what);
    case REPLY_BOOL:
        return tp_bool_of(v, &b) == 0 ? 0 : refuse(why, whylen, at, "not true or false");
    case REPLY_MAP:
        return check_map(v, f->of, at, why, whylen);
    case REPLY_LIST:
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > f->max) {
            snprintf(what, sizeof what, "not a list of at most %" PRId64, f->max);
            return refuse(why, whylen, at, what);
        }
        for (uint32_t i = 0; i < v->via.array.size; i++)
            if (check_entry(&v->via.array.ptr[i], f, at, i, why, whylen)) return -1;
        return 0;
    case REPLY_DICT:
    case REPLY_COUNTS:
        if (v->type != MSGPACK_OBJECT_MAP || v->via.map.size > f->max) {
            snprintf(what, sizeof what, "not a map of at most %" PRId64 " entries", f->max);
            return refuse(why, whylen, at, what);
        }
        for (uint32_t i = 0; i < v->via.map.size; i++)
            if (check_entry(&v->via.map.ptr[i].val, f, at, i, why, whylen)) return -1;
        return 0;
    }
    return refuse(why, whylen, at, "of no known kind");
}

/* The index in shape of the field named key, or nfields when it is not declared. The search
 * starts at *next, where the field after the last one found is: services write a map's fields in
 * the order of its shape, so each is found at the first comparison. */
static size_t field_of(const reply_shape *shape, const msgpack_object *key, size_t *next)
{
    for (size_t step = 0, i = *next < shape->nfields ? *next : 0; step < shape->nfields;
         step++, i = i + 1 < shape->nfields ? i + 1 : 0) {
        const reply_field *f = &shape->fields[i];
        if (tp_key_is(key, f->key, f->keylen)) {
            *next = i + 1;
            return i;
        }
    }
    return shape->nfields;
}

/* One pass over the map's entries, each declared one checked: a declared key given twice is
 * refused, so that whichever of the two a reader would find, it is the one checked (and
 * reply_write_fields may look fields up in their order, tp_map_get_next). */
static int check_map(const msgpack_object *o, const reply_shape *shape, const place *at, char *why,
                     size_t whylen)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP) return refuse(why, whylen, at, "not a map");
    assert(shape->nfields <= 64); /* seen is one bit a field */
    uint64_t seen = 0;
    size_t next = 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        size_t k = field_of(shape, &kv->key, &next);
        if (k == shape->nfields) continue; /* not declared: allowed, never read */
        const reply_field *f = &shape->fields[k];
        place field = {at, f->key, 0};
        if (seen >> k & 1) return refuse(why, whylen, &field, "given twice");
        seen |= (uint64_t)1 << k;
        if (kv->val.type == MSGPACK_OBJECT_NIL) {
            if (!f->optional) return refuse(why, whylen, &field, "missing");
        } else if (check_value(&kv->val, f, &field, why, whylen)) {
            return -1;
        }
    }
    for (size_t k = 0; k < shape->nfields; k++) {
        place field = {at, shape->fields[k].key, 0};
        if (!(seen >> k & 1) && !shape->fields[k].optional)
            return refuse(why, whylen, &field, "missing");
    }
    return 0;
}

int reply_check(const msgpack_object *o, const reply_shape *shape, char *why, size_t whylen)
{
    const place root = {NULL, NULL, 0};
    return check_map(o, shape, &root, why, whylen);
}

/* ---- writing ---- */

void reply_write(tp_w *w, const msgpack_object *o, const reply_shape *shape)
{
    if (!o) {
        tp_w_nil(w);
        return;
    }
    tp_w_map_begin(w);
    reply_write_fields(w, o, shape);
    tp_w_map_end(w);
}

void reply_write_fields(tp_w *w, const msgpack_object *o, const reply_shape *shape)
{
    uint32_t next = 0;
    for (size_t i = 0; i < shape->nfields; i++) {
        const reply_field *f = &shape->fields[i];
        const msgpack_object *v = tp_map_get_next(o, f->key, f->keylen, &next);
        tp_w_keyn(w, f->key, f->keylen);
        if (!v || v->type == MSGPACK_OBJECT_NIL) {
            tp_w_nil(w);
        } else if (f->kind == REPLY_MAP) {
            reply_write(w, v, f->of);
        } else if (f->kind == REPLY_LIST) {
            tp_w_array_begin(w);
            for (uint32_t j = 0; j < v->via.array.size; j++)
                reply_write(w, &v->via.array.ptr[j], f->of);
            tp_w_array_end(w);
        } else if (f->kind == REPLY_DICT) {
            tp_w_map_begin(w);
            for (uint32_t j = 0; j < v->via.map.size; j++) {
                const msgpack_object_kv *kv = &v->via.map.ptr[j];
                tp_w_keyn(w, kv->key.via.str.ptr, kv->key.via.str.size);
                reply_write(w, &kv->val, f->of);
            }
            tp_w_map_end(w);
        } else {
            tp_w_object(w, v); /* a checked scalar, or a map of counts */
        }
    }
}

tp_err reply_err(const msgpack_object *reply)
{
    bool ok = false;
    tp_str err;
    if (tp_get_bool(reply, "ok", &ok) == 0 && ok) return TP_OK;
    return tp_get_str(reply, "err", 64, &err) == 0 ? tp_err_from_name(err.p, err.n) : TP_EINTERNAL;
}

tp_err reply_answer(int op, const msgpack_object *reply, char *why, size_t whylen)
{
    tp_err err = reply_err(reply);
    const reply_shape *shape = err == TP_OK ? reply_shape_ok(op) : NULL;
    const msgpack_object *checked = reply;
    if (err == TP_EINVAL && (shape = reply_shape_invalid(op)))
        checked = tp_map_get(reply, "fields");
    if (!shape || reply_check(checked, shape, why, whylen) == 0) return err;
    size_t n = strlen(why);
    snprintf(why + n, whylen - n, " (%s)", shape->name);
    return TP_EUNAVAILABLE;
}

size_t reply_ids(const msgpack_object *list, const char *key, int64_t *ids, size_t n, size_t max)
{
    if (!list || list->type != MSGPACK_OBJECT_ARRAY) return n;
    for (uint32_t i = 0; i < list->via.array.size && n < max; i++)
        if (tp_get_int(&list->via.array.ptr[i], key, 1, INT64_MAX, &ids[n]) == 0) n++;
    return n;
}
