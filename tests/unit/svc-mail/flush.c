/* Unit tests for svc-mail/flush.c: a mail that mail.db cannot record as sent is not sent again,
 * and while mail.db cannot be written no mail goes out; once it can, everything goes, once.
 * Mail is written as .eml files (the sender without SMTP_URL) and counted per recipient; error
 * reports ("admin" rows, about no talk) are queued, so no test makes a relay call. mail.db's
 * failures come through its own seams: PRAGMA query_only (nothing can be written) and a trigger
 * that refuses to set sent_at (the mark after a send fails, as on a disk that filled up). */
#include "flush.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "schema.h"
#include "store.h"

typedef struct fixture {
    check_db_dir tmp;
    char eml_dir[64];
    tp_db *db;
    mail_sender *sender;
    flush_config cfg;
} fixture;

static void fixture_open(fixture *f)
{
    char err[200];
    if (sodium_init() < 0) abort();
    check_db_dir_make(&f->tmp, "mail.db");
    f->db = tp_db_open(f->tmp.path, mail_migrations,
                       sizeof mail_migrations / sizeof *mail_migrations, err, sizeof err);
    snprintf(f->eml_dir, sizeof f->eml_dir, "/tmp/talks-eml.XXXXXX");
    if (!f->db || !mkdtemp(f->eml_dir)) abort();
    f->sender = mail_sender_new(NULL, NULL, NULL, f->eml_dir, err, sizeof err);
    if (!f->sender) abort();
    /* No backoff: a row not marked sent is due again at once, so only what the flush remembers
     * can keep a mail from going twice. */
    f->cfg = (flush_config){.public_url = "https://talks.example",
                            .sender = "talks@talks.example",
                            .flush_seconds = 0,
                            .templates = NULL,
                            .out = f->sender};
}

static void fixture_close(fixture *f)
{
    mail_sender_free(f->sender);
    tp_db_close(f->db);
    check_db_dir_remove(&f->tmp);
    DIR *d = opendir(f->eml_dir);
    struct dirent *e;
    char path[400];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", f->eml_dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    rmdir(f->eml_dir);
}

/* An error report to recipient, due now. */
static void queue_report(fixture *f, const char *recipient)
{
    char key[64];
    int64_t now = (int64_t)time(NULL);
    snprintf(key, sizeof key, "test:%s", recipient);
    CHECK(store_queue_add_later(f->db, key, "admin", (tp_str){recipient, strlen(recipient)},
                                (tp_str){"svc-test", 8}, (tp_str){"an error", 8}, now, now) == 0);
}

/* How many .eml files name recipient (every one when recipient is NULL). */
static int mails_to(const fixture *f, const char *recipient)
{
    int n = 0;
    DIR *d = opendir(f->eml_dir);
    struct dirent *e;
    char path[400], line[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", f->eml_dir, e->d_name);
        FILE *in = fopen(path, "r");
        bool named = recipient == NULL;
        while (in && !named && fgets(line, sizeof line, in))
            if (strncmp(line, "To:", 3) == 0 && strstr(line, recipient)) named = true;
        if (in) fclose(in);
        n += named;
    }
    if (d) closedir(d);
    return n;
}

static void sql(fixture *f, const char *statement)
{
    CHECK(sqlite3_exec(tp_db_handle(f->db), statement, NULL, NULL, NULL) == SQLITE_OK);
}

static void a_sent_mail_that_cannot_be_marked_is_not_sent_again(void)
{
    fixture f;
    fixture_open(&f);
    queue_report(&f, "a@example.com");
    queue_report(&f, "b@example.com");
    queue_report(&f, "c@example.com");
    sql(&f, "CREATE TRIGGER no_room BEFORE UPDATE OF sent_at ON queue "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END");

    /* The first mail goes, its mark fails: the flush stops there. */
    CHECK(flush_due(f.db, &f.cfg) == -1);
    CHECK(mails_to(&f, "a@example.com") == 1);
    CHECK(mails_to(&f, NULL) == 1);
    /* Later flushes try to record it first, and send nothing while they cannot. */
    for (int i = 0; i < 3; i++) CHECK(flush_due(f.db, &f.cfg) == -1);
    CHECK(mails_to(&f, NULL) == 1);

    /* Room again: it is recorded, not resent, and the others go. */
    sql(&f, "DROP TRIGGER no_room");
    CHECK(flush_due(f.db, &f.cfg) == 2);
    CHECK(flush_due(f.db, &f.cfg) == 0);
    CHECK(mails_to(&f, "a@example.com") == 1);
    CHECK(mails_to(&f, "b@example.com") == 1);
    CHECK(mails_to(&f, "c@example.com") == 1);
    CHECK(store_unsent_count(f.db, "admin") == 0);
    fixture_close(&f);
}

static void nothing_is_sent_while_mail_db_cannot_be_written(void)
{
    fixture f;
    fixture_open(&f);
    queue_report(&f, "a@example.com");
    queue_report(&f, "b@example.com");
    sql(&f, "PRAGMA query_only = ON");
    for (int i = 0; i < 3; i++) CHECK(flush_due(f.db, &f.cfg) == -1);
    CHECK(mails_to(&f, NULL) == 0);

    sql(&f, "PRAGMA query_only = OFF");
    CHECK(flush_due(f.db, &f.cfg) == 2);
    CHECK(flush_due(f.db, &f.cfg) == 0);
    CHECK(mails_to(&f, "a@example.com") == 1);
    CHECK(mails_to(&f, "b@example.com") == 1);
    fixture_close(&f);
}

/* What a kill -9 between the server's 250 and the mark leaves: the attempt, written before the
 * send, with the row due again only after the backoff; that one mail would go again, later. */
static void each_mail_is_recorded_as_an_attempt_before_it_goes(void)
{
    fixture f;
    fixture_open(&f);
    f.cfg.flush_seconds = 60;
    queue_report(&f, "b@example.com");
    sql(&f, "CREATE TRIGGER no_room BEFORE UPDATE OF sent_at ON queue "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END");
    CHECK(flush_due(f.db, &f.cfg) == -1);
    CHECK(mails_to(&f, "b@example.com") == 1);
    sqlite3_stmt *st =
        tp_db_stmt(f.db, "SELECT attempts, next_try_at - created_at, sent_at IS NULL FROM queue");
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 1);
    CHECK(sqlite3_column_int64(st, 1) >= 60);
    CHECK(sqlite3_column_int(st, 2) == 1);
    sqlite3_reset(st);
    sql(&f, "DROP TRIGGER no_room");
    CHECK(flush_due(f.db, &f.cfg) == 0); /* records b's mark, sends nothing */
    CHECK(store_unsent_count(f.db, "admin") == 0);
    CHECK(mails_to(&f, NULL) == 1);
    fixture_close(&f);
}

static const check_case cases[] = {
    CASE(a_sent_mail_that_cannot_be_marked_is_not_sent_again),
    CASE(nothing_is_sent_while_mail_db_cannot_be_written),
    CASE(each_mail_is_recorded_as_an_attempt_before_it_goes),
};

CHECK_MAIN("mail-flush", cases)
