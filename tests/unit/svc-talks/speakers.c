/* Unit tests for svc-talks/speakers.c over a fresh talks.db (its migrations): a name that
 * arrives reaches the search index of its speaker's talks, whether they came before it or after,
 * a new name replaces the old one there, the index stays in step with talks, and a batch is
 * stored whole or not at all. svc-auth is a fake fetch function (speakers_catch_up's seam), so no
 * test makes a relay call. */
#include "speakers.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "schema.h"
#include "search_store.h"
#include "store.h"

static check_db_dir tmp;

/* ---- the fake svc-auth ---- */

typedef struct speaker_name {
    int64_t id;
    const char *name; /* NULL: sent as nil, which is not a name */
    int64_t seq;
} speaker_name;

static const speaker_name *names;
static size_t names_n;
static bool names_replayed; /* every name, whatever seq is asked after (a faulty svc-auth) */
static int fetches;

static void names_set(const speaker_name *list, size_t n)
{
    names = list;
    names_n = n;
    names_replayed = false;
    fetches = 0;
}

/* auth.names_after: at most limit names after seq, in seq order, as the relay returns them, and
 * the newest change number. */
static int fetch_fake(int64_t seq, int limit, tp_msg *reply)
{
    fetches++;
    tp_w w;
    check_reply_begin(&w, "users");
    int n = 0;
    int64_t last = 0;
    for (size_t i = 0; i < names_n; i++)
        if (names[i].seq > last) last = names[i].seq;
    for (size_t i = 0; i < names_n && n < limit; i++) {
        const speaker_name *s = &names[i];
        if (s->seq <= seq && !names_replayed) continue;
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", s->id);
        tp_w_kstr(&w, "name", s->name);
        tp_w_kint(&w, "seq", s->seq);
        tp_w_map_end(&w);
        n++;
    }
    return check_reply_end(&w, last, reply);
}

static int catch_up(tp_db *db)
{
    atomic_bool stopping = false;
    return speakers_catch_up(db, fetch_fake, &stopping);
}

/* ---- talks.db ---- */

static tp_db *open_db(void)
{
    check_db_dir_make(&tmp, "talks.db");
    tp_db *db = check_db_open(&tmp, talks_migrations,
                              (int)(sizeof talks_migrations / sizeof talks_migrations[0]));
    /* Every talk whose speaker's name is written, so a test can tell which talks a catch-up
     * touched (each such write re-indexes the talk). */
    CHECK(sqlite3_exec(tp_db_handle(db),
                       "CREATE TEMP TABLE renamed(talk_id INTEGER);"
                       "CREATE TEMP TRIGGER renamed_talks AFTER UPDATE OF speaker_name ON talks "
                       "BEGIN INSERT INTO renamed VALUES(new.id); END;",
                       NULL, NULL, NULL) == SQLITE_OK);
    return db;
}

static void close_and_remove(tp_db *db)
{
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static int64_t talk_add(tp_db *db, int64_t author_id, const char *title)
{
    talk_input in = {.title = {title, strlen(title)},
                     .description = {"", 0},
                     .venue = {"FOSDEM", 6},
                     .venue_url = {"", 0},
                     .date = {"2024-02-03", 10}};
    int64_t id = 0;
    CHECK(store_talk_create(db, author_id, &in, (tp_str){"", 0}, &id) == 0);
    return id;
}

/* How many talks a search for these quoted words finds. */
static int64_t found(tp_db *db, const char *match)
{
    return store_search_count(db, match, 10000);
}

/* FTS5's own check of talks_search, against the text in talks too: without the 1 an
 * external-content index is checked against itself only, and a talk whose name changed without
 * its index entry passes. */
static bool index_matches_talks(tp_db *db)
{
    return sqlite3_exec(tp_db_handle(db),
                        "INSERT INTO talks_search(talks_search, rank) VALUES('integrity-check', 1)",
                        NULL, NULL, NULL) == SQLITE_OK;
}

/* How many talks catch-ups re-indexed since the last call. */
static int64_t renamed_talks(tp_db *db)
{
    sqlite3 *h = tp_db_handle(db);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(h, "SELECT count(*) FROM renamed", -1, &st, NULL) == SQLITE_OK);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    CHECK(sqlite3_exec(h, "DELETE FROM renamed", NULL, NULL, NULL) == SQLITE_OK);
    return n;
}

/* ---- cases ---- */

static void a_talk_stored_before_its_speakers_name_is_found_by_it(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    talk_add(db, 3, "Nanoseconds");
    talk_add(db, 4, "Structured programming");
    CHECK(found(db, "\"hopper\"") == 0);
    static const speaker_name learned[] = {{3, "Grace Hopper", 1}, {4, "Edsger Dijkstra", 2}};
    names_set(learned, 2);
    CHECK(catch_up(db) == 0);
    CHECK(found(db, "\"hopper\"") == 2);
    CHECK(found(db, "\"grace\" \"compilers\"") == 1);
    CHECK(found(db, "\"dijkstra\" \"structured\"") == 1);
    CHECK(store_speakers_seq(db) == 2);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_talk_stored_after_its_speakers_name_has_it_at_once(void)
{
    tp_db *db = open_db();
    static const speaker_name learned[] = {{3, "Grace Hopper", 1}};
    names_set(learned, 1);
    CHECK(catch_up(db) == 0);
    talk_add(db, 3, "Compilers");
    talk_row r = {.id = 40,
                  .author_id = 3,
                  .in = {.title = {"Nanoseconds", 11},
                         .description = {"", 0},
                         .venue = {"FOSDEM", 6},
                         .venue_url = {"", 0},
                         .date = {"2024-02-03", 10}}};
    int64_t id;
    bool added;
    CHECK(store_talk_import(db, &r, (tp_str){"", 0}, false, &id, &added) == 0 && added);
    CHECK(found(db, "\"hopper\" \"compilers\"") == 1);
    CHECK(found(db, "\"hopper\" \"nanoseconds\"") == 1);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_renamed_speakers_talks_are_found_by_the_new_name_only(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    talk_add(db, 3, "Nanoseconds");
    talk_add(db, 4, "Structured programming");
    static const speaker_name history[] = {
        {3, "Grace Hopper", 1}, {4, "Edsger Dijkstra", 2}, {3, "Amazing Grace", 3}};
    names_set(history, 2);
    CHECK(catch_up(db) == 0);
    CHECK(renamed_talks(db) == 3);
    names_set(history, 3);
    CHECK(catch_up(db) == 0);
    CHECK(found(db, "\"hopper\"") == 0);
    CHECK(found(db, "\"amazing\"") == 2);
    CHECK(found(db, "\"dijkstra\"") == 1);
    CHECK(renamed_talks(db) == 2); /* Dijkstra's talk is left alone */
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

/* auth.db restored from a copy older than what svc-talks has copied: its next change numbers are
 * ones svc-talks counts as seen, so every name is copied again. */
static void names_that_went_back_are_all_copied_again(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    talk_add(db, 4, "Structured programming");
    static const speaker_name before[] = {{3, "Grace Hopper", 4}, {4, "Edsger Dijkstra", 5}};
    names_set(before, 2);
    CHECK(catch_up(db) == 0);
    CHECK(store_speakers_seq(db) == 5);
    renamed_talks(db);
    /* The restored auth.db numbered its names up to 2; a rename since took 3. */
    static const speaker_name restored[] = {{4, "Edsger Dijkstra", 2}, {3, "Amazing Grace", 3}};
    names_set(restored, 2);
    CHECK(catch_up(db) == 0);
    CHECK(fetches == 2); /* after 5, then after 0 */
    CHECK(found(db, "\"amazing\" \"compilers\"") == 1);
    CHECK(found(db, "\"hopper\"") == 0);
    CHECK(found(db, "\"dijkstra\"") == 1);
    CHECK(renamed_talks(db) == 1); /* Dijkstra's talk keeps its name, and its index entry */
    CHECK(store_speakers_seq(db) == 3);
    /* From then on, the numbers go on from the restored ones. */
    CHECK(catch_up(db) == 0 && fetches == 3);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_speaker_named_twice_in_one_batch_is_found_by_the_last_name(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    talk_add(db, 4, "Structured programming");
    static const speaker_name batch[] = {
        {3, "Grace Hopper", 1}, {4, "Edsger Dijkstra", 2}, {3, "Amazing Grace", 3}};
    names_set(batch, 3);
    CHECK(catch_up(db) == 0);
    CHECK(fetches == 1);
    CHECK(renamed_talks(db) == 2);
    CHECK(found(db, "\"hopper\"") == 0);
    CHECK(found(db, "\"amazing\" \"compilers\"") == 1);
    CHECK(found(db, "\"dijkstra\"") == 1);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

/* The name goes into the index by the catch-up; an edit later re-indexes the talk by trigger,
 * name and all. */
static void a_talk_edited_after_its_speaker_is_named_is_found_by_its_new_title_and_the_name(void)
{
    tp_db *db = open_db();
    int64_t id = talk_add(db, 3, "Compilers");
    static const speaker_name learned[] = {{3, "Grace Hopper", 1}};
    names_set(learned, 1);
    CHECK(catch_up(db) == 0);
    talk_input in = {.title = {"Nanoseconds", 11},
                     .description = {"A wire as long as light goes", 28},
                     .venue = {"FOSDEM", 6},
                     .venue_url = {"", 0},
                     .date = {"2024-02-03", 10}};
    CHECK(store_talk_update(db, id, &in) == 0);
    CHECK(found(db, "\"compilers\"") == 0);
    CHECK(found(db, "\"nanoseconds\" \"hopper\"") == 1);
    CHECK(found(db, "\"light\" \"grace\"") == 1);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_name_sent_again_unchanged_reindexes_no_talk(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    static const speaker_name history[] = {{3, "Grace Hopper", 1}, {3, "Grace Hopper", 2}};
    names_set(history, 1);
    CHECK(catch_up(db) == 0);
    CHECK(renamed_talks(db) == 1);
    names_set(history, 2); /* renamed and back, between two questions */
    CHECK(catch_up(db) == 0);
    CHECK(store_speakers_seq(db) == 2);
    CHECK(renamed_talks(db) == 0);
    CHECK(found(db, "\"hopper\"") == 1);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_speaker_without_talks_is_kept_for_their_first(void)
{
    tp_db *db = open_db();
    talk_add(db, 4, "Structured programming");
    static const speaker_name learned[] = {{3, "Grace Hopper", 1}};
    names_set(learned, 1);
    CHECK(catch_up(db) == 0);
    CHECK(store_speakers_seq(db) == 1);
    CHECK(renamed_talks(db) == 0);
    CHECK(found(db, "\"hopper\"") == 0);
    talk_add(db, 3, "Compilers");
    CHECK(found(db, "\"hopper\"") == 1);
    close_and_remove(db);
}

static void a_batch_with_one_entry_that_is_not_a_name_stores_nothing(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    static const speaker_name batch[] = {{3, "Grace Hopper", 1}, {4, NULL, 2}};
    names_set(batch, 2);
    CHECK(catch_up(db) == -1);
    CHECK(store_speakers_seq(db) == 0);
    CHECK(found(db, "\"hopper\"") == 0);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static void a_batch_with_a_name_not_after_the_one_asked_from_stores_nothing(void)
{
    tp_db *db = open_db();
    talk_add(db, 3, "Compilers");
    talk_add(db, 5, "Cobol");
    static const speaker_name history[] = {{3, "Grace Hopper", 1}, {5, "Jean Sammet", 2}};
    names_set(history, 1);
    CHECK(catch_up(db) == 0);
    names_set(history, 2);
    names_replayed = true; /* Grace Hopper's seq 1 again, after 1 was asked for */
    CHECK(catch_up(db) == -1);
    CHECK(store_speakers_seq(db) == 1);
    CHECK(found(db, "\"sammet\"") == 0);
    CHECK(found(db, "\"hopper\"") == 1);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

/* More speakers than one batch holds, each with two talks stored before any name (an import):
 * every talk is found by its own speaker's name. */
#define MANY 1000
static void names_over_several_batches_reach_every_talk(void)
{
    tp_db *db = open_db();
    char sql[512]; /* in one statement, as an import's batch stores them */
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
             "INSERT INTO talks(author_id, title, venue, date, created_at, updated_at) "
             "SELECT 1 + n %% %d, 'A talk', 'FOSDEM', '2024-02-03', 0, 0 FROM i",
             2 * MANY - 1, MANY);
    CHECK(sqlite3_exec(tp_db_handle(db), sql, NULL, NULL, NULL) == SQLITE_OK);
    static char text[MANY][32];
    static speaker_name many[MANY];
    for (int i = 0; i < MANY; i++) {
        snprintf(text[i], sizeof text[i], "Person%d Speaker", i + 1);
        many[i] = (speaker_name){i + 1, text[i], i + 1};
    }
    names_set(many, MANY);
    CHECK(catch_up(db) == 0);
    CHECK(fetches == MANY / SPEAKERS_BATCH + 1);
    CHECK(store_speakers_seq(db) == MANY);
    CHECK(found(db, "\"speaker\"") == 2 * MANY);
    CHECK(found(db, "\"person1\"") == 2);
    CHECK(found(db, "\"person500\"") == 2);
    CHECK(found(db, "\"person501\"") == 2);
    CHECK(found(db, "\"person1000\"") == 2);
    CHECK(index_matches_talks(db));
    close_and_remove(db);
}

static const check_case cases[] = {
    CASE(a_talk_stored_before_its_speakers_name_is_found_by_it),
    CASE(a_talk_stored_after_its_speakers_name_has_it_at_once),
    CASE(a_renamed_speakers_talks_are_found_by_the_new_name_only),
    CASE(a_speaker_named_twice_in_one_batch_is_found_by_the_last_name),
    CASE(names_that_went_back_are_all_copied_again),
    CASE(a_talk_edited_after_its_speaker_is_named_is_found_by_its_new_title_and_the_name),
    CASE(a_name_sent_again_unchanged_reindexes_no_talk),
    CASE(a_speaker_without_talks_is_kept_for_their_first),
    CASE(a_batch_with_one_entry_that_is_not_a_name_stores_nothing),
    CASE(a_batch_with_a_name_not_after_the_one_asked_from_stores_nothing),
    CASE(names_over_several_batches_reach_every_talk),
};

CHECK_MAIN("svc_talks_speakers", cases)
