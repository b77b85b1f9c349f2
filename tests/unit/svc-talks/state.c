/* Unit tests for talks.db's state (svc-talks/schema.h, migration 6): talks.get says the state
 * it read the talk in, and a new one is drawn by every change to what talks.get shows — a talk
 * made, edited or deleted, also by a statement the service never runs — and by nothing else
 * (a read, a speaker's name copied for search). The gateway keeps a talk only while the state
 * it was read in stands (gateway/talks_cache.h). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "schema.h"
#include "store.h"

static check_db_dir tmp;

static tp_db *open_db(void)
{
    check_db_dir_make(&tmp, "talks.db");
    return check_db_open(&tmp, talks_migrations,
                         (int)(sizeof talks_migrations / sizeof talks_migrations[0]));
}

static talk_input talk_titled(const char *title)
{
    return (talk_input){.title = {title, strlen(title)},
                        .description = {"", 0},
                        .venue = {"FOSDEM", 6},
                        .venue_url = {"", 0},
                        .date = {"2024-02-03", 10}};
}

/* talks.get's reply for id: the state it says (-1: none), or -2 when the talk is not found. */
static int64_t get_state(tp_db *db, int64_t id)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    int found = store_talk_get(db, id, &w);
    tp_w_map_end(&w);
    CHECK(found >= 0);
    int64_t state = -2, talk_id = 0;
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    if (found) {
        CHECK(tp_get_int(tp_map_get(m.root, "talk"), "id", 1, INT64_MAX, &talk_id) == 0);
        CHECK(talk_id == id);
        state = -1;
        tp_get_int(m.root, "state", 0, INT64_MAX, &state);
    }
    tp_msg_free(&m);
    tp_w_free(&w);
    return state;
}

static void talks_get_says_the_state_it_read_the_talk_in(void)
{
    tp_db *db = open_db();
    talk_input in = talk_titled("First");
    int64_t id;
    CHECK(store_talk_create(db, 1, &in, (tp_str){"", 0}, &id) == 0);
    int64_t state = store_talks_state(db);
    CHECK(state >= 0);
    CHECK(get_state(db, id) == state);
    CHECK(get_state(db, id) == state); /* a read draws none */
    CHECK(store_talks_state(db) == state);
    CHECK(get_state(db, id + 1) == -2);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static void every_change_to_a_talk_draws_a_new_state_and_nothing_else_does(void)
{
    tp_db *db = open_db();
    int64_t before = store_talks_state(db), id, other;
    talk_input in = talk_titled("First");
    CHECK(store_talk_create(db, 1, &in, (tp_str){"", 0}, &id) == 0);
    CHECK(store_talk_create(db, 2, &in, (tp_str){"", 0}, &other) == 0);
    int64_t made = store_talks_state(db);
    CHECK(made != before);

    in = talk_titled("Second");
    CHECK(store_talk_update(db, id, &in) == 0);
    int64_t edited = store_talks_state(db);
    CHECK(edited != made);

    /* A name svc-auth changed, copied to the speaker's talks for search: not shown by talks.get. */
    CHECK(store_speaker_put(db, 1, (tp_str){"Ann Renamed", 11}, 1) == 0);
    CHECK(store_speakers_to_talks(db, 0) == 0);
    sqlite3_stmt *name = tp_db_stmt(db, "SELECT speaker_name FROM talks WHERE id = ?1");
    sqlite3_bind_int64(name, 1, id);
    CHECK(sqlite3_step(name) == SQLITE_ROW);
    CHECK(strcmp((const char *)sqlite3_column_text(name, 0), "Ann Renamed") == 0); /* it did */
    sqlite3_reset(name);
    CHECK(store_talks_state(db) == edited);

    /* An embed filled in behind the service's back, as a statement of its own would. */
    CHECK(sqlite3_exec(tp_db_handle(db), "UPDATE talks SET video_embed = 'x' WHERE id = 2", NULL,
                       NULL, NULL) == SQLITE_OK);
    int64_t embedded = store_talks_state(db);
    CHECK(embedded != edited);

    CHECK(store_talk_delete(db, other, (tp_str){"rid", 3}) == 1);
    CHECK(store_talks_state(db) != embedded);
    CHECK(get_state(db, id) == store_talks_state(db));
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(talks_get_says_the_state_it_read_the_talk_in),
    CASE(every_change_to_a_talk_draws_a_new_state_and_nothing_else_does),
};

CHECK_MAIN("svc_talks_state", cases)
