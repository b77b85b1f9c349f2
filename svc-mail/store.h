/* store: every SQL statement of svc-mail (mail.db). Returns 1 found / 0 not found / -1 error,
 * or 0 / -1, unless said otherwise. */
#ifndef MAIL_STORE_H
#define MAIL_STORE_H

#include <stdbool.h>

#include "tp_db.h"
#include "tp_msg.h"

#define STORE_EMAIL_MAX 320

typedef struct subscriber {
    int64_t id;
    char email[STORE_EMAIL_MAX + 1];
    char name[257];
} subscriber;

/* A notification to send, as queued. */
typedef struct queued {
    int64_t id, subscription_id, talk_id, comment_id;
    int attempts;
    char kind[16];
    char rid[65]; /* the request that caused it, or "" (error reports) */
    char *recipient, *recipient_name, *comment_author, *comment_body; /* owned */
} queued;

/* The last event applied from source, 0 before the first; -1 on error. */
int64_t store_cursor(tp_db *db, const char *source);
int store_cursor_set(tp_db *db, const char *source, int64_t seq);

/* Subscribes email to a talk (again, if it had unsubscribed: a new comment with "notify" on is a
 * new wish). */
int store_subscribe(tp_db *db, int64_t talk_id, tp_str email, tp_str name);
/* The active subscribers of a talk (malloc'd array; free it). */
int store_subscribers(tp_db *db, int64_t talk_id, subscriber **out, size_t *n);
int store_subscription(tp_db *db, int64_t id, int64_t *talk_id, char *email, size_t emaillen,
                       bool *active);
/* Stops mail to a subscription, and drops what was queued for it and not yet sent. */
int store_unsubscribe(tp_db *db, int64_t id);

/* Queues a notification caused by request rid unless one with this key exists (a replayed
 * event). */
int store_queue_add(tp_db *db, const char *key, const char *kind, tp_str recipient,
                    tp_str recipient_name, int64_t subscription_id, int64_t talk_id,
                    int64_t comment_id, tp_str author, tp_str body, tp_str rid, int64_t now);
/* The same, not to be sent before not_before. */
int store_queue_add_later(tp_db *db, const char *key, const char *kind, tp_str recipient,
                          tp_str author, tp_str body, int64_t now, int64_t not_before);
/* For error reports: when the last one was sent (0: never), and how many wait. */
int64_t store_last_sent(tp_db *db, const char *kind);
int64_t store_unsent_count(tp_db *db, const char *kind);
/* Forgets unsent notifications about a deleted comment. */
int store_queue_drop_comment(tp_db *db, int64_t comment_id);
/* A deleted talk: forgets its unsent notifications and stops its subscriptions (kept, inactive:
 * their ids sign unsubscribe links already sent, and must never name another subscription). */
int store_talk_drop(tp_db *db, int64_t talk_id);
/* What is due at now (of that kind, or of every kind when kind is NULL), grouped: ordered by
 * recipient, talk, kind, id (malloc'd; free with store_due_free). */
int store_due(tp_db *db, int64_t now, const char *kind, queued **out, size_t *n);
void store_due_free(queued *q, size_t n);
/* Records one more attempt at the rows ids[0..n), due again at next_try_at unless marked sent
 * first: flush writes it before the mail goes out, so a mail that fails, or that was in flight
 * when the process died, is tried again after its backoff with no second write. One
 * transaction. */
int store_mark_attempt(tp_db *db, const int64_t *ids, size_t n, int64_t next_try_at);
/* Marks the rows ids[0..n) sent at sent_at (rows deleted meanwhile are simply skipped), and
 * wipes a reset mail's link, which must not outlive its sending. One transaction. */
int store_mark_sent(tp_db *db, const int64_t *ids, size_t n, int64_t sent_at);

/* The queue by kind, for the metrics: notifications waiting, those of them whose last attempt
 * failed, those sent, and the time (as time(NULL)) the oldest waiting one was queued (0: none). */
typedef struct store_queue_stat {
    char kind[16];
    int64_t queued, failed, sent, oldest;
} store_queue_stat;
/* At most max kinds into out, *n of them. */
int store_queue_stats(tp_db *db, store_queue_stat *out, size_t max, size_t *n);
/* Deletes at most limit rows sent before sent_before (their counts stay, in sent_counts): how
 * many, or -1. */
int64_t store_queue_prune(tp_db *db, int64_t sent_before, int64_t limit);

/* A subscription as talksctl export writes it and import brings it back (tp_transfer.h): its
 * id is kept, so the unsubscribe links already mailed go on working. */
typedef struct subscription_row {
    int64_t id, talk_id;
    tp_str email, name;
    bool active;
} subscription_row;

/* Writes the subscriptions with an id above after as "rows" and "more" (tp_export_rows). */
int store_subscriptions_export(tp_db *db, int64_t after, tp_w *w);
/* How many subscriptions there are; -1 on error. */
int64_t store_subscriptions_count(tp_db *db);
/* Adds r inside the caller's transaction. Without merge r keeps its id, and a taken one (or a
 * subscription of that address to that talk) returns 1. With merge an address subscribed to the
 * talk already is left as it is (*added false, *id its), and a taken id gives r a new one.
 * 0, 1 or -1. */
int store_subscription_import(tp_db *db, const subscription_row *r, bool merge, int64_t *id,
                              bool *added);

#endif
