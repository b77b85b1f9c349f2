/* Unit tests for proto/tp_op_inputs.c: requests written from an op's typed struct and read back
 * by the service's reader, which refuses what does not fit the op's field list. */
#include "tp_op_inputs.h"

#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "tp_svc.h"

/* Writes in for op and parses the request into m. */
static void write_request(enum tp_op_id op, const void *in, tp_msg *m)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_call(&w, op, "rid-1", in);
    if (tp_msg_parse(m, w.buf.data, w.buf.len) != 0) CHECK(!"the request parses");
    tp_w_free(&w);
}

static void a_request_reads_back_as_written(void)
{
    int64_t ids[] = {3, 1, 4};
    tp_msg m;
    write_request(TP_OP_AUTH_USERS_GET, &(struct tp_in_TP_OP_AUTH_USERS_GET){.ids = {ids, NULL, 3}},
                  &m);
    tp_str op;
    CHECK(tp_get_str(m.root, "op", 64, &op) == 0 && tp_str_eq(op, "auth.users_get"));
    struct tp_in_TP_OP_AUTH_USERS_GET got;
    char why[128] = "";
    CHECK(tp_in_read(TP_OP_AUTH_USERS_GET, m.root, &got, why, sizeof why) == 0);
    CHECK(got.ids.n == 3 && tp_ids_at(&got.ids, 0) == 3 && tp_ids_at(&got.ids, 2) == 4);
    tp_msg_free(&m);

    write_request(TP_OP_COMMENTS_CREATE,
                  &(struct tp_in_TP_OP_COMMENTS_CREATE){.talk_id = 7,
                                                        .talk_author_id = 2,
                                                        .author_name = tp_s("Ann"),
                                                        .body = tp_s("*hi*"),
                                                        .notify = true},
                  &m);
    struct tp_in_TP_OP_COMMENTS_CREATE c;
    CHECK(tp_in_read(TP_OP_COMMENTS_CREATE, m.root, &c, why, sizeof why) == 0);
    CHECK(c.talk_id == 7 && c.talk_author_id == 2 && c.notify && !c.include_pending);
    CHECK(tp_str_eq(c.author_name, "Ann") && tp_str_eq(c.body, "*hi*"));
    /* Optional fields left at zero are not sent, and read as empty. */
    CHECK(!tp_map_get(m.root, "author_email") && !tp_map_get(m.root, "author_id"));
    CHECK(!tp_map_get(m.root, "key") && c.key.n == 0 && c.author_email.n == 0);
    tp_msg_free(&m);
}

/* Builds {"op": op, fields…} from a JSON-ish list of writes, then reads it for op. */
static int read_with(enum tp_op_id op, void (*fill)(tp_w *), char *why, size_t whylen)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_request(&w, tp_op_name(op), "");
    fill(&w);
    tp_w_map_end(&w);
    tp_msg m;
    if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) CHECK(!"the request parses");
    tp_w_free(&w);
    union tp_in_any in;
    int rc = tp_in_read(op, m.root, &in, why, whylen);
    tp_msg_free(&m);
    return rc;
}

static void per_page_missing(tp_w *w)
{
    tp_w_kint(w, "talk_id", 1);
}

static void per_page_too_big(tp_w *w)
{
    tp_w_kint(w, "talk_id", 1);
    tp_w_kint(w, "per_page", TP_PER_PAGE_MAX + 1);
}

static void talk_id_zero(tp_w *w)
{
    tp_w_kint(w, "talk_id", 0);
    tp_w_kint(w, "per_page", 10);
}

static void include_pending_text(tp_w *w)
{
    tp_w_kint(w, "talk_id", 1);
    tp_w_kint(w, "per_page", 10);
    tp_w_kstr(w, "include_pending", "yes");
}

static void page_nil(tp_w *w)
{
    tp_w_kint(w, "talk_id", 1);
    tp_w_kint(w, "per_page", 10);
    tp_w_key(w, "page");
    tp_w_nil(w);
}

static void a_field_that_does_not_fit_is_named(void)
{
    char why[128] = "";
    CHECK(read_with(TP_OP_COMMENTS_LIST, per_page_missing, why, sizeof why) == -1);
    CHECK_STR_EQ(why, "per_page: an integer in [1, 100]");
    CHECK(read_with(TP_OP_COMMENTS_LIST, per_page_too_big, why, sizeof why) == -1);
    CHECK(read_with(TP_OP_COMMENTS_LIST, talk_id_zero, why, sizeof why) == -1);
    CHECK(strncmp(why, "talk_id: ", 9) == 0);
    CHECK(read_with(TP_OP_COMMENTS_LIST, include_pending_text, why, sizeof why) == -1);
    CHECK_STR_EQ(why, "include_pending: true or false");
    CHECK(read_with(TP_OP_COMMENTS_LIST, page_nil, why, sizeof why) == 0); /* nil is absent */
}

static void ids_bad(tp_w *w)
{
    tp_w_key(w, "ids");
    tp_w_array_begin(w);
    tp_w_int(w, 1);
    tp_w_str(w, "2");
    tp_w_array_end(w);
}

static void ids_too_many(tp_w *w)
{
    tp_w_key(w, "ids");
    tp_w_array_begin(w);
    for (int i = 1; i <= TP_USERS_GET_MAX + 1; i++) tp_w_int(w, i);
    tp_w_array_end(w);
}

static void ids_negative(tp_w *w)
{
    tp_w_key(w, "ids");
    tp_w_array_begin(w);
    tp_w_int(w, -1);
    tp_w_array_end(w);
}

static void lists_hold_only_positive_ids_up_to_their_bound(void)
{
    char why[128];
    CHECK(read_with(TP_OP_AUTH_USERS_GET, ids_bad, why, sizeof why) == -1);
    CHECK(read_with(TP_OP_AUTH_USERS_GET, ids_too_many, why, sizeof why) == -1);
    CHECK(read_with(TP_OP_AUTH_USERS_GET, ids_negative, why, sizeof why) == -1);
    CHECK_STR_EQ(why, "ids: a list of at most 101 positive integers");
}

/* Every op has a field list, and names its fields once each. */
static void every_op_lists_its_fields_once(void)
{
    for (int op = 0; op < TP_OP_COUNT; op++)
        for (size_t i = 0; i < tp_in_count(op); i++)
            for (size_t j = i + 1; j < tp_in_count(op); j++)
                CHECK(strcmp(tp_in_name(op, i), tp_in_name(op, j)) != 0);
    CHECK(tp_in_count(TP_OP_TALKS_UPDATE) == 10);
    CHECK_STR_EQ(tp_in_name(TP_OP_TALKS_GET, 0), "id");
}

static const check_case cases[] = {
    CASE(a_request_reads_back_as_written),
    CASE(a_field_that_does_not_fit_is_named),
    CASE(lists_hold_only_positive_ids_up_to_their_bound),
    CASE(every_op_lists_its_fields_once),
};

CHECK_MAIN("tp_op_inputs", cases)
