/* ops: svc-mail's unsubscribe operations and its loop (see ops.h).
 *
 * Design notes: one background thread does everything that writes mail.db besides
 * unsubscribing: it applies events in order, read from svc-comments' outbox only (a catch-up, see
 * events.h), flushes the queue every MAIL_FLUSH_SECONDS, and forgets what was sent a week ago
 * (prune.h). A catch-up runs on start, after a
 * wake-up from pub/sub, and every CATCH_UP_MS after the last one (for a wake-up pub/sub lost).
 * Wake-ups are gathered for GATHER_MS after the first, and those that arrive while a catch-up
 * runs wait in the socket for the next gathering: however many came, they cost one catch-up,
 * which reads whatever the outbox has by then. A restart loses nothing: the cursor and the queue
 * are in mail.db. */
#include "ops.h"

#include <limits.h>
#include <nng/nng.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "flush.h"
#include "metrics.h"
#include "prune.h"
#include "reset.h"
#include "store.h"
#include "subscriber.h"
#include "token.h"
#include "tp_backup.h"
#include "tp_bus.h"
#include "tp_clock.h"
#include "tp_log.h"
#include "tp_relay.h"
#include "transfer.h"

#define CATCH_UP_MS 2000
#define RECV_MS     250
#define GATHER_MS   50

static char public_url[256];
static long flush_seconds;
static tpl_set *templates;
static mail_sender *sender;

/* Mail templates sit in ../share/talks/mail beside the binary's folder. */
static void mail_templates_dir(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(out, outlen, "%s/../share/talks/mail", n > 0 ? exe : ".");
}

int mail_start(char *err, size_t errlen)
{
    unsigned char secret[32];
    char dir[PATH_MAX + 32], eml[PATH_MAX];
    if (tp_config_int(MAIL_FLUSH_SECONDS, 1, 86400, &flush_seconds, err, errlen) ||
        tp_bus_check(TALKS_BUS_EVENTS_OUT, err, errlen) ||
        tp_config_public_url(public_url, sizeof public_url, err, errlen) ||
        tp_config_secret(secret, err, errlen))
        return -1;
    token_init(secret);
    mail_templates_dir(dir, sizeof dir);
    if (!(templates = tpl_load_dir(dir, err, errlen))) return -1;
    snprintf(eml, sizeof eml, "%s/mail", tp_config_get(TALKS_DATA_DIR));
    const char *smtp = tp_config_get(SMTP_URL);
    sender = mail_sender_new(smtp, tp_config_get(MAIL_USERNAME), tp_config_get(MAIL_PASSWORD), eml,
                             err, errlen);
    if (sender && !*smtp && tp_config_is_production())
        tp_warn(NULL,
                "SMTP_URL is %s in production: NO MAIL IS SENT, every notification is written "
                "as an .eml file under %s instead",
                tp_config_source(SMTP_URL) == TP_SOURCE_DEFAULT ? "unset" : "empty", eml);
    return sender ? 0 : -1;
}

/* Waits up to RECV_MS for a message from the subscription, then takes whatever else comes within
 * GATHER_MS of it; each is handled as it comes (see events_on_message). True when one was a
 * wake-up. Mail goes out in batches every MAIL_FLUSH_SECONDS anyway: the wait delays no one. */
static bool gather(subscriber *sub, tp_db *db)
{
    bool woken = false;
    int64_t deadline = 0;
    for (bool first = true;; first = false) {
        nng_msg *msg;
        int64_t left = first ? RECV_MS : deadline - tp_clock_ms();
        if (left <= 0 || subscriber_recv(sub, left, &msg) != 0) break;
        if (first) deadline = tp_clock_ms() + GATHER_MS;
        if (events_on_message(db, (tp_str){nng_msg_body(msg), nng_msg_len(msg)})) woken = true;
        nng_msg_free(msg);
    }
    return woken;
}

void mail_loop(struct tp_db *db, const atomic_bool *stopping)
{
    subscriber *sub = subscriber_open();
    if (!sub) {
        tp_error(NULL, "cannot subscribe to %s", tp_config_get(TALKS_BUS_EVENTS_OUT));
        return;
    }
    flush_config cfg = {public_url, tp_config_get(MAIL_SENDER), flush_seconds, templates, sender,
                        NULL};
    flush_config resets = cfg;
    resets.only_kind = RESET_KIND;
    int64_t next_catch_up = 0, next_flush = tp_clock_ms() + flush_seconds * 1000, next_prune = 0;
    int64_t pruned = 0; /* by the pass under way */
    while (!atomic_load(stopping)) {
        bool woken = gather(sub, db);
        /* A reset link is waited for: it goes now, not with the next batch. */
        if (reset_queue_pending(db) > 0) flush_due(db, &resets);
        if (woken || tp_clock_ms() >= next_catch_up) {
            /* A failure needs nothing more: the timer runs the next one. */
            events_catch_up(db, metrics_fetch_events, stopping);
            next_catch_up = tp_clock_ms() + CATCH_UP_MS;
        }
        if (tp_clock_ms() >= next_flush) {
            flush_due(db, &cfg);
            next_flush = tp_clock_ms() + flush_seconds * 1000;
        }
        if (tp_clock_ms() >= next_prune) {
            /* A full batch: there may be more, taken at the next turn (prune.h). */
            bool more = prune_sent_batch(db, (int64_t)time(NULL), &pruned) == PRUNE_BATCH;
            next_prune = more ? 0 : tp_clock_ms() + PRUNE_EVERY_MS;
        }
    }
    subscriber_close(sub);
}

/* ---- unsubscribing ---- */

/* The subscription a token names: 1 with its talk and address, 0 for a bad token. */
static int subscription_of(tp_call *c, int64_t *id, int64_t *talk_id, char *email, size_t n,
                           bool *active)
{
    /* unsubscribe_info and unsubscribe share their fields (TP_UNSUBSCRIBE_IN) */
    *id = token_check(TP_IN(c, MAIL_UNSUBSCRIBE)->token);
    return *id ? store_subscription(c->db, *id, talk_id, email, n, active) : 0;
}

/* "vic@example.com" → "v…@example.com": enough to recognise, not to harvest. */
static void hint(const char *email, char *out, size_t outlen)
{
    const char *at = strchr(email, '@');
    snprintf(out, outlen, "%c…%s", email[0], at ? at : "");
}

/* {token} → {talk_id, talk_title, email_hint, active}, or not_found. */
static tp_err op_unsubscribe_info(tp_call *c)
{
    int64_t id, talk_id;
    char email[STORE_EMAIL_MAX + 1], masked[STORE_EMAIL_MAX + 8];
    bool active;
    int found = subscription_of(c, &id, &talk_id, email, sizeof email, &active);
    if (found < 0) return tp_fail(c, TP_EINTERNAL, "database error");
    if (!found) return tp_fail(c, TP_ENOTFOUND, "This unsubscribe link is not valid.");
    hint(email, masked, sizeof masked);
    tp_w_kint(c->out, "talk_id", talk_id);
    tp_w_kstr(c->out, "email_hint", masked);
    tp_w_kbool(c->out, "active", active);
    return TP_OK;
}

static tp_err op_unsubscribe(tp_call *c)
{
    int64_t id, talk_id;
    char email[STORE_EMAIL_MAX + 1];
    bool active;
    int found = subscription_of(c, &id, &talk_id, email, sizeof email, &active);
    if (found < 0) return tp_fail(c, TP_EINTERNAL, "database error");
    if (!found) return tp_fail(c, TP_ENOTFOUND, "This unsubscribe link is not valid.");
    if (store_unsubscribe(c->db, id)) return tp_fail(c, TP_EINTERNAL, "database error");
    tp_w_kint(c->out, "talk_id", talk_id);
    return TP_OK;
}

/* The handlers by op, one a line. */
/* clang-format off */
const tp_op_fn mail_ops[TP_OP_COUNT] = {
    [TP_OP_MAIL_UNSUBSCRIBE_INFO] = op_unsubscribe_info,
    [TP_OP_MAIL_UNSUBSCRIBE] = op_unsubscribe,
    [TP_OP_MAIL_PASSWORD_RESET] = reset_op,
    [TP_OP_MAIL_EXPORT] = transfer_export,
    [TP_OP_MAIL_IMPORT] = transfer_import,
    [TP_OP_MAIL_BACKUP] = tp_backup_op,
};
/* clang-format on */
