/* Unit tests for svc-talks/pages.c through store_talk_list and store_talk_count: every page of
 * the timeline, deep ones read from their anchors, holds the talks that LIMIT/OFFSET over
 * talks_by_date gives, and the count is the number of talks, also after talks are added on this
 * connection or on another; and a deep page costs what a shallow one does, as OFFSET would not
 * (a fresh talks.db in a mkdtemp directory; many talks share a date, so the id breaks the
 * ties). */
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema.h"
#include "store.h"

#define PER_PAGE 10

static check_db_dir tmp;

static tp_db *open_db(void)
{
    return check_db_open(&tmp, talks_migrations,
                         (int)(sizeof talks_migrations / sizeof talks_migrations[0]));
}

/* Talk i: one of eleven dates, so about one talk in eleven shares each. */
static void add_talk(tp_db *db, int i)
{
    char date[16];
    snprintf(date, sizeof date, "2024-01-%02d", 10 + (i * 7) % 11);
    talk_input in = {.title = {"A talk", 6},
                     .description = {"", 0},
                     .venue = {"FOSDEM", 6},
                     .venue_url = {"", 0},
                     .date = {date, strlen(date)}};
    int64_t id;
    CHECK(store_talk_create(db, 1, &in, (tp_str){"", 0}, &id) == 0);
}

/* The ids store_talk_list gives for a page at offset, into ids; how many. */
static int listed(tp_db *db, int64_t offset, int64_t *ids)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    CHECK(store_talk_list(db, 0, offset, PER_PAGE, &w, "talks") == 0);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    const msgpack_object *talks = tp_map_get(m.root, "talks");
    int n = 0;
    for (uint32_t i = 0; talks && i < talks->via.array.size; i++)
        tp_get_int(&talks->via.array.ptr[i], "id", 1, INT64_MAX, &ids[n++]);
    tp_msg_free(&m);
    tp_w_free(&w);
    return n;
}

/* The same page read with OFFSET alone. */
static int expected(tp_db *db, int64_t offset, int64_t *ids)
{
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(tp_db_handle(db),
                             "SELECT id FROM talks ORDER BY date DESC, id DESC LIMIT ?1 OFFSET ?2",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int(st, 1, PER_PAGE);
    sqlite3_bind_int64(st, 2, offset);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Every page from offset 0 to past the end, at a step that lands on and beside anchors. */
static int pages_that_differ(tp_db *db, int total)
{
    int wrong = 0;
    for (int64_t offset = 0; offset <= total + PER_PAGE; offset += 3) {
        int64_t got[PER_PAGE], want[PER_PAGE];
        int n = listed(db, offset, got), m = expected(db, offset, want);
        wrong += n != m || memcmp(got, want, (size_t)n * sizeof got[0]) != 0;
    }
    return wrong;
}

static void deep_pages_hold_what_offset_gives_and_follow_every_change(void)
{
    check_db_dir_make(&tmp, "talks.db");
    tp_db *db = open_db(), *other = open_db();
    int total = 0;
    for (; total < 5 * PAGES_STRIDE + 17; total++) add_talk(db, total);
    CHECK(pages_that_differ(db, total) == 0);
    CHECK(store_talk_count(db, 0) == total);
    page_anchor a;
    CHECK(pages_anchor(db, 3 * PAGES_STRIDE + 5, &a) && a.skip == 5);
    CHECK(!pages_anchor(db, total + PAGES_STRIDE, &a)); /* past the end: OFFSET's empty page */

    /* Added here, then by another connection: the anchors are read again each time. */
    for (int i = 0; i < 40; i++) add_talk(db, total++);
    CHECK(pages_that_differ(db, total) == 0);
    CHECK(store_talk_count(db, 0) == total);
    for (int i = 0; i < 40; i++) add_talk(other, total++);
    CHECK(pages_that_differ(db, total) == 0);
    CHECK(store_talk_count(db, 0) == total);

    tp_db_close(other);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* The virtual machine steps every statement of db has made since the last call. */
static int64_t steps_since(tp_db *db)
{
    int64_t n = 0;
    sqlite3 *h = tp_db_handle(db);
    for (sqlite3_stmt *st = sqlite3_next_stmt(h, NULL); st; st = sqlite3_next_stmt(h, st))
        n += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    return n;
}

/* The same pages as OFFSET, but not its cost: a page starts at its anchor and skips fewer than
 * PAGES_STRIDE talks, so a page deep in the timeline costs what a shallow one with the same skip
 * does, where OFFSET steps over every talk before it. */
static void a_deep_page_costs_what_a_shallow_one_does(void)
{
    check_db_dir_make(&tmp, "talks.db");
    tp_db *db = open_db();
    for (int i = 0; i < 20 * PAGES_STRIDE; i++) add_talk(db, i);
    int64_t ids[PER_PAGE], shallow = PAGES_STRIDE + 47, deep = 19 * PAGES_STRIDE + 47;
    listed(db, deep, ids); /* reads the anchors once */
    steps_since(db);
    CHECK(listed(db, shallow, ids) == PER_PAGE);
    int64_t shallow_steps = steps_since(db);
    CHECK(listed(db, deep, ids) == PER_PAGE);
    int64_t deep_steps = steps_since(db);
    /* With OFFSET: 18 strides more talks to step over, at 2 steps or more each. */
    CHECK(deep_steps < shallow_steps + PAGES_STRIDE);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(deep_pages_hold_what_offset_gives_and_follow_every_change),
    CASE(a_deep_page_costs_what_a_shallow_one_does),
};

CHECK_MAIN("svc_talks_pages", cases)
