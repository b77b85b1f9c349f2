/* seed_bulk: `talksctl seed --bulk` — the seed's rows (seed_data.c) sent in pages through each
 * service's import op with merge (transfer.h), as import-flask sends a site: every row carries
 * the id one request a row would have given it on an empty site and the idempotency key that
 * request would have carried, so both paths make the same site and either run again adds
 * nothing. The rows are made a batch at a time (talks a thousand at a time, then their
 * comments), so memory stays small whatever the counts. Every speaker gets the same Argon2id
 * hash of the seed password, made once: one hash per account would cost 70 ms each. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seed.h"
#include "transfer.h"

#define BATCH_BYTES (1u << 20) /* under TP_MSG_MAX: a batch is parsed as one message */
#define TALK_CHUNK  1000       /* talks whose ids are known before their comments are made */

/* Rows of one table being written, sent when BATCH_BYTES are reached and at the end. */
typedef struct batch {
    const transfer_table *table;
    tp_w w;
    uint32_t n;    /* rows written since the last send */
    int64_t *ids;  /* when not NULL, gets each row's id in the site, in order */
    uint32_t sent; /* rows sent so far (where the next ids go) */
} batch;

static void batch_open(batch *b, enum transfer_table_id t, int64_t *ids)
{
    *b = (batch){.table = &transfer_tables[t], .ids = ids};
    tp_w_init(&b->w);
    tp_w_array_begin(&b->w);
}

/* Sends the rows written so far; 0, or -1 after one line on stderr. */
static int batch_send(batch *b)
{
    tp_w_array_end(&b->w);
    tp_msg rows;
    char why[1100] = "";
    int rc = tp_msg_parse_array(&rows, b->w.buf.data, b->w.buf.len);
    if (rc == 0) {
        bool *added = b->ids ? tp_xcalloc(b->n + 1, sizeof *added) : NULL;
        rc = transfer_import(b->table, rows.root, false, true, b->ids ? b->ids + b->sent : NULL,
                             added, why, sizeof why);
        free(added);
        tp_msg_free(&rows);
    } else {
        snprintf(why, sizeof why, "a batch of rows is not a message");
    }
    if (rc != 0) fprintf(stderr, "talksctl: cannot seed the %s: %s\n", b->table->name, why);
    b->sent += b->n;
    b->n = 0;
    tp_w_free(&b->w);
    tp_w_init(&b->w);
    tp_w_array_begin(&b->w);
    return rc;
}

/* After a row's map is written: sends the batch once it is big enough. */
static int batch_row_done(batch *b)
{
    b->n++;
    return b->w.buf.len >= BATCH_BYTES ? batch_send(b) : 0;
}

static int batch_close(batch *b)
{
    int rc = b->n ? batch_send(b) : 0;
    tp_w_free(&b->w);
    return rc;
}

static int add_user(batch *b, long i, const char *hash, int64_t now)
{
    seed_user u;
    seed_user_make(i, &u);
    tp_w *w = &b->w;
    tp_w_map_begin(w);
    tp_w_kint(w, "id", i);
    tp_w_kstr(w, "email", u.email);
    tp_w_kstr(w, "username", u.username);
    tp_w_kstr(w, "password_hash", hash);
    tp_w_kbool(w, "is_admin", false);
    tp_w_kstr(w, "name", u.name);
    tp_w_kstr(w, "location", u.location);
    tp_w_kstr(w, "bio", u.bio);
    tp_w_kint(w, "created_at", now);
    tp_w_map_end(w);
    return batch_row_done(b);
}

static int add_talk(batch *b, long j, int64_t author, int64_t now)
{
    seed_talk t;
    seed_talk_make(j, &t);
    tp_w *w = &b->w;
    tp_w_map_begin(w);
    tp_w_kint(w, "id", j);
    tp_w_kint(w, "author_id", author);
    tp_w_kstr(w, "title", t.title);
    tp_w_kstr(w, "description", t.description);
    tp_w_kstr(w, "venue", t.venue);
    tp_w_kstr(w, "venue_url", "https://example.com/conference");
    tp_w_kstr(w, "date", t.date);
    tp_w_kstr(w, "slides", t.slides);
    tp_w_kstr(w, "video", t.video);
    tp_w_kint(w, "created_at", now);
    tp_w_kint(w, "updated_at", now);
    tp_w_kstr(w, "key", t.key);
    tp_w_map_end(w);
    return batch_row_done(b);
}

/* Comment k of talk j (the talk's id and speaker in this site), id: its id on an empty site. */
static int add_comment(batch *b, long j, long k, int64_t id, int64_t talk_id, int64_t talk_author,
                       int64_t speaker, int64_t now)
{
    seed_comment c;
    seed_comment_make(j, k, speaker, &c);
    tp_w *w = &b->w;
    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "talk_id", talk_id);
    tp_w_kint(w, "talk_author_id", talk_author);
    tp_w_kint(w, "author_id", c.visitor ? 0 : speaker);
    tp_w_kstr(w, "author_name", c.name);
    tp_w_kstr(w, "author_email", c.email);
    tp_w_kbool(w, "notify", c.visitor);
    tp_w_kbool(w, "approved", !c.visitor);
    tp_w_kstr(w, "body", c.body);
    tp_w_kint(w, "created_at", now);
    tp_w_kstr(w, "key", c.key);
    tp_w_map_end(w);
    return batch_row_done(b);
}

/* The talks from first to last, then their comments; talk j's speaker is user (j - 1) % users. */
static int add_talks(batch *talks, batch *comments, long first, long last, long per_talk,
                     const int64_t *user_ids, long users, int64_t now)
{
    int rc = 0;
    for (long j = first; j <= last && rc == 0; j++)
        rc = add_talk(talks, j, user_ids[(j - 1) % users], now);
    if (rc == 0) rc = batch_close(talks);
    for (long j = first; j <= last && rc == 0; j++) {
        int64_t talk_id = talks->ids[j - first], author = user_ids[(j - 1) % users];
        for (long k = 1; k <= per_talk && rc == 0; k++)
            rc = add_comment(comments, j, k, (j - 1) * per_talk + k, talk_id, author,
                             user_ids[(j + k) % users], now);
    }
    return rc;
}

int seed_bulk(long users, long talks, long comments)
{
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, SEED_PASSWORD, strlen(SEED_PASSWORD),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, "talksctl: cannot hash the seed password (out of memory)\n");
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    int64_t *user_ids = tp_xcalloc((size_t)users + 1, sizeof *user_ids);
    int64_t *talk_ids = tp_xcalloc(TALK_CHUNK, sizeof *talk_ids);
    batch b;
    batch_open(&b, TRANSFER_USERS, user_ids);
    int rc = 0;
    for (long i = 1; i <= users && rc == 0; i++) rc = add_user(&b, i, hash, now);
    if (rc == 0)
        rc = batch_close(&b);
    else
        tp_w_free(&b.w);
    batch comment_rows;
    batch_open(&comment_rows, TRANSFER_COMMENTS, NULL);
    for (long first = 1; first <= talks && rc == 0; first += TALK_CHUNK) {
        long last = first + TALK_CHUNK - 1 < talks ? first + TALK_CHUNK - 1 : talks;
        batch_open(&b, TRANSFER_TALKS, talk_ids);
        rc = add_talks(&b, &comment_rows, first, last, comments, user_ids, users, now);
        if (rc) tp_w_free(&b.w);
    }
    if (rc == 0)
        rc = batch_close(&comment_rows);
    else
        tp_w_free(&comment_rows.w);
    free(talk_ids);
    free(user_ids);
    return rc == 0 ? 0 : 1;
}
