/* Unit tests for svc-talks/search_store.c over a fresh talks.db (its migrations, so its FTS5
 * index as svc-talks makes it): the count stops at its limit, and a page of a prefix search
 * newest first is read from the prefix index, without first merging every matching talk into
 * memory as FTS5 does for a prefix it has no index of. */
#include "search_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema.h"

static check_db_dir tmp;

/* SQLite's allocations, counted here (it counts its own only for sqlite3_status, which the
 * services turn off): the bytes held now and the most since the peak was last set to now. */
static int64_t held, peak;

static void *counted_malloc(int n)
{
    int64_t *p = malloc((size_t)n + sizeof *p);
    if (!p) return NULL;
    *p = n;
    held += n;
    if (held > peak) peak = held;
    return p + 1;
}

static void counted_free(void *p)
{
    if (!p) return;
    int64_t *h = (int64_t *)p - 1;
    held -= *h;
    free(h);
}

static int counted_size(void *p)
{
    return p ? (int)((int64_t *)p)[-1] : 0;
}

static void *counted_realloc(void *p, int n)
{
    void *q = counted_malloc(n);
    if (q && p) {
        int old = counted_size(p);
        memcpy(q, p, (size_t)(old < n ? old : n));
        counted_free(p);
    }
    return q;
}

static int counted_roundup(int n)
{
    return (n + 7) & ~7;
}

static int counted_init(void *unused)
{
    (void)unused;
    return SQLITE_OK;
}

static void counted_shutdown(void *unused)
{
    (void)unused;
}

static tp_db *open_db(void)
{
    static const sqlite3_mem_methods counted = {
        counted_malloc,  counted_free, counted_realloc,  counted_size,
        counted_roundup, counted_init, counted_shutdown, NULL};
    static bool counting;
    if (!counting) /* before SQLite's first use */
        counting = sqlite3_config(SQLITE_CONFIG_MALLOC, &counted) == SQLITE_OK;
    CHECK(counting);
    return check_db_open(&tmp, talks_migrations,
                         (int)(sizeof talks_migrations / sizeof talks_migrations[0]));
}

/* n talks, every one about "real systems", in one statement (the schema's triggers index them). */
static void add_talks(tp_db *db, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
             "INSERT INTO talks(author_id, title, description, venue, date, created_at, updated_at)"
             " SELECT 1, 'A talk', 'What we learned building real systems.', 'FOSDEM', "
             "'2024-02-03', 0, 0 FROM i",
             n);
    CHECK(sqlite3_exec(tp_db_handle(db), sql, NULL, NULL, NULL) == SQLITE_OK);
}

static void the_count_stops_at_its_limit(void)
{
    check_db_dir_make(&tmp, "talks.db");
    tp_db *db = open_db();
    add_talks(db, 30);
    CHECK(store_search_count(db, "\"systems\"*", 10) == 10);
    CHECK(store_search_count(db, "\"sys\"*", 10) == 10);
    CHECK(store_search_count(db, "\"systems\"*", 100) == 30);
    CHECK(store_search_count(db, "\"real\" \"sy\"*", 31) == 30);
    CHECK(store_search_count(db, "\"nothing\"*", 100) == 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* The most memory SQLite held while db read a page of hits for match, newest first, above what
 * it held before; the page's length into *hits. */
static int64_t page_memory(tp_db *db, const char *match, uint32_t *hits)
{
    int64_t before = peak = held; /* the peak from here */
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    CHECK(store_search(db, match, false, 0, 50, &w, "talks") == 0);
    tp_w_map_end(&w);
    int64_t most = peak;
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    const msgpack_object *talks = tp_map_get(m.root, "talks");
    *hits = talks ? talks->via.array.size : 0;
    tp_msg_free(&m);
    tp_w_free(&w);
    return most - before;
}

/* Without a prefix index FTS5 builds the list of every talk a prefix matches before the first
 * row (here about 15 bytes a talk for 20 000 talks): a page then holds that much more than a
 * page of the same talks matched by a whole word. */
static void a_prefix_page_holds_what_a_whole_words_does(void)
{
    check_db_dir_make(&tmp, "talks.db");
    tp_db *db = open_db();
    add_talks(db, 20000);
    uint32_t hits;
    page_memory(db, "\"systems\"", &hits); /* statements prepared, pages cached */
    page_memory(db, "\"sys\"*", &hits);
    int64_t word = page_memory(db, "\"systems\"", &hits);
    CHECK(hits == 50);
    int64_t prefix = page_memory(db, "\"sys\"*", &hits);
    CHECK(hits == 50);
    CHECK(prefix < word + 100 * 1024); /* merged, it held 300 KB more; indexed, 20 KB */
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(the_count_stops_at_its_limit),
    CASE(a_prefix_page_holds_what_a_whole_words_does),
};

CHECK_MAIN("svc_talks_search_store", cases)
