/* Unit tests for svc-mail/events.c: batches from pub/sub are applied in order, every event of
 * every message, EVENTS_BATCH at a time. Only comment.deleted events are used: they need no
 * speaker's contact, so no relay call. */
#include "events.h"

#include <stdlib.h>

#include "check.h"
#include "schema.h"
#include "store.h"
#include "tp_msg.h"

/* "comment.events " and an array of deletions, seq first..last. */
static tp_str batch(int64_t first, int64_t last)
{
    tp_w w;
    tp_w_init(&w);
    tp_buf_puts(&w.buf, "comment.events ");
    tp_w_array_begin(&w);
    for (int64_t seq = first; seq <= last; seq++) {
        tp_w_map_begin(&w);
        tp_w_kint(&w, "seq", seq);
        tp_w_kstr(&w, "type", "comment.deleted");
        tp_w_key(&w, "comment");
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", seq);
        tp_w_kint(&w, "talk_id", 1);
        tp_w_kint(&w, "talk_author_id", 1);
        tp_w_map_end(&w);
        tp_w_map_end(&w);
    }
    tp_w_array_end(&w);
    size_t n;
    char *p = tp_buf_take(&w.buf, &n);
    return (tp_str){p, n};
}

static tp_db *open_db(check_db_dir *tmp)
{
    char err[200];
    check_db_dir_make(tmp, "mail.db");
    tp_db *db = tp_db_open(tmp->path, mail_migrations,
                           sizeof mail_migrations / sizeof *mail_migrations, err, sizeof err);
    CHECK(db != NULL);
    return db;
}

static void close_and_remove(tp_db *db, const check_db_dir *tmp)
{
    tp_db_close(db);
    check_db_dir_remove(tmp);
}

static void more_than_a_batch_of_events_across_messages_is_applied_in_slices(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    tp_str msgs[3] = {batch(1, 150), batch(151, 300), batch(301, 2 * EVENTS_BATCH + 50)};
    CHECK(events_on_messages(db, msgs, 3, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == 2 * EVENTS_BATCH + 50);
    /* Applied already: nothing moves. */
    CHECK(events_on_messages(db, msgs, 3, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == 2 * EVENTS_BATCH + 50);
    for (int i = 0; i < 3; i++) free((void *)msgs[i].p);
    close_and_remove(db, &tmp);
}

static void a_message_in_another_format_is_skipped_and_the_rest_applied(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    tp_str old = batch(3, 3);
    memcpy((char *)old.p, "comment.delete ", 15); /* the topic of a single event, once */
    tp_str msgs[3] = {batch(1, 2), old, batch(3, 4)};
    CHECK(events_on_messages(db, msgs, 3, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == 4);
    for (int i = 0; i < 3; i++) free((void *)msgs[i].p);
    close_and_remove(db, &tmp);
}

static const check_case cases[] = {
    CASE(more_than_a_batch_of_events_across_messages_is_applied_in_slices),
    CASE(a_message_in_another_format_is_skipped_and_the_rest_applied),
};

CHECK_MAIN("mail-events", cases)
