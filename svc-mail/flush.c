/* flush: grouping, writing and sending queued notifications (see flush.h).
 *
 * Design notes: the invariant is "a mail goes out only after mail.db has taken a write for it,
 * and never while an earlier mail is sent but not recorded". Each group (one mail) is:
 *   1. store_mark_attempt: attempts + 1, due again after the backoff. If mail.db cannot take this
 *      write, the flush stops and nothing is sent — so a full disk or a read-only file sends
 *      nothing, even across restarts. A failed send needs no second write: it is already
 *      recorded as failed.
 *   2. the send, over SMTP (a 250 after DATA) or as an .eml file.
 *   3. store_mark_sent, at once and alone in its transaction, so the window in which a kill -9
 *      repeats a mail is this one mail: its rows are then still unsent, and go again once the
 *      backoff of step 1 has passed. Rows sent earlier in the flush are already marked; rows
 *      after it were not sent.
 *   If step 3 fails (the disk filled between 1 and 3), the mail's rows are held below, the flush
 *   stops, and every later flush first marks them and sends nothing new until that succeeds. If
 *   svc-mail dies holding them, that mail is the one in flight of flush.h's promise.
 * Recording "sending" and asking the server on restart is not possible with SMTP (nothing asks
 * "did you get this?"), so the mail in flight can only be sent again (at least once) or dropped
 * (at most once); SPEC 6 says nothing is lost, so it is sent again. */
#include "flush.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"
#include "reset.h"
#include "store.h"
#include "token.h"
#include "tp_log.h"
#include "tp_relay.h"

#define RELAY_TIMEOUT 3000
#define BACKOFF_MAX_S 3600

#define LOG_IDS_MAX 32 /* row ids and request ids named in a mail's log line */

/* A talk's title through the relay (asked with rid, the id of the request that caused the
 * mail), into out; -1 when svc-talks cannot say now. */
static int talk_title(int64_t talk_id, const char *rid, char *out, size_t outlen)
{
    tp_msg reply;
    char err[200];
    if (tp_relay_call(TALKS_GET, rid[0] ? rid : "svc-mail", RELAY_TIMEOUT, &reply, err, sizeof err,
                      .id = talk_id))
        return -1;
    int rc;
    tp_str title;
    bool ok = false;
    tp_get_bool(reply.root, "ok", &ok);
    rc = ok && tp_get_str(tp_map_get(reply.root, "talk"), "title", 1024, &title) == 0 ? 0 : -1;
    if (rc == 0) snprintf(out, outlen, "%.*s", (int)title.n, title.p);
    tp_msg_free(&reply);
    return rc;
}

/* The plain-text part: the same content as the HTML one. */
static void write_text(tp_buf *t, const queued *g, size_t n, bool moderation, const char *title,
                       const char *talk_url, const char *public_url, const char *unsubscribe)
{
    tp_buf_printf(t, "Hello %s,\n\n", g[0].recipient_name);
    if (moderation)
        tp_buf_printf(t, "%s for your review on your talk \"%s\":\n\n",
                      n > 1 ? "New comments wait" : "A new comment waits", title);
    else
        tp_buf_printf(t, "%s on \"%s\", which you commented on:\n\n",
                      n > 1 ? "There are new comments" : "There is a new comment", title);
    for (size_t i = 0; i < n; i++) {
        tp_buf_printf(t, "%s wrote:\n\n", g[i].comment_author);
        for (const char *line = g[i].comment_body; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            tp_buf_puts(t, "> ");
            tp_buf_append(t, line, len);
            tp_buf_putc(t, '\n');
            line += len + (end ? 1 : 0);
        }
        tp_buf_printf(t, "\n%s: %s#comment-%" PRId64 "\n\n", moderation ? "Review it" : "Read it",
                      talk_url, g[i].comment_id);
    }
    if (moderation)
        tp_buf_printf(t, "Every comment waiting for you: %s/moderate\n", public_url);
    else
        tp_buf_printf(t,
                      "-- \nYou get this because you asked to be told of new comments on this "
                      "talk.\nStop these emails: %s\n",
                      unsubscribe);
}

/* Renders mail template name with the context w has built (then freed) into h. */
static void render_html(const flush_config *cfg, const char *name, tp_w *w, tp_buf *h)
{
    tp_msg ctx;
    if (tp_msg_parse(&ctx, w->buf.data, w->buf.len) == 0) {
        tpl_render(cfg->templates, name, ctx.root, h);
        tp_msg_free(&ctx);
    }
    tp_w_free(w);
}

/* The HTML part, from the mail templates; the template escapes everything. */
static void write_html(tp_buf *h, const flush_config *cfg, const queued *g, size_t n,
                       bool moderation, const char *title, const char *talk_url,
                       const char *unsubscribe)
{
    tp_w w;
    char url[600];
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "recipient_name", g[0].recipient_name);
    tp_w_kstr(&w, "talk_title", title);
    tp_w_kstr(&w, "talk_url", talk_url);
    tp_w_kbool(&w, "several", n > 1);
    snprintf(url, sizeof url, "%s/moderate", cfg->public_url);
    tp_w_kstr(&w, "moderate_url", url);
    tp_w_kstr(&w, "unsubscribe_url", unsubscribe);
    tp_w_key(&w, "comments");
    tp_w_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        snprintf(url, sizeof url, "%s#comment-%" PRId64, talk_url, g[i].comment_id);
        tp_w_map_begin(&w);
        tp_w_kstr(&w, "author", g[i].comment_author);
        tp_w_kstr(&w, "body", g[i].comment_body);
        tp_w_kstr(&w, "url", url);
        tp_w_map_end(&w);
    }
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    render_html(cfg, moderation ? "mail_moderation" : "mail_new_comment", &w, h);
}

/* An error report: every line since the last, as plain text. */
static void write_alert(tp_buf *t, const queued *g, size_t n)
{
    tp_buf_printf(t, "%zu error%s logged by Talks since the last report:\n\n", n,
                  n > 1 ? "s were" : " was");
    for (size_t i = 0; i < n; i++)
        tp_buf_printf(t, "%s: %s\n", g[i].comment_author, g[i].comment_body);
}

/* Builds and sends the mail for one group; 0 when the server accepted it (or it can never be
 * sent: then it is dropped with a log line rather than retried forever). */
/* One line per mail: what became of it, with the id of the request that caused it (the first
 * row's; rids= names them all when its rows come from several) and its queue rows. */
static void log_mail(enum tp_log_level level, const queued *g, size_t n, const char *what,
                     const char *why)
{
    tp_log_line l;
    if (!tp_log_begin(&l, level, g[0].rid)) return;
    tp_buf rows = TP_BUF_INIT, rids = TP_BUF_INIT;
    size_t nrids = 0;
    for (size_t i = 0; i < n && i < LOG_IDS_MAX; i++) {
        tp_buf_printf(&rows, "%s%" PRId64, i ? "," : "", g[i].id);
        bool seen = !g[i].rid[0];
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(g[j].rid, g[i].rid) == 0;
        if (!seen) tp_buf_printf(&rids, "%s%s", nrids++ ? "," : "", g[i].rid);
    }
    if (n > LOG_IDS_MAX) tp_buf_puts(&rows, ",...");
    tp_log_str(&l, "msg", what, strlen(what));
    tp_log_str(&l, "kind", g[0].kind, strlen(g[0].kind));
    tp_log_str(&l, "to", g[0].recipient, strlen(g[0].recipient));
    tp_log_str(&l, "rows", rows.data, rows.len);
    if (nrids > 1) tp_log_str(&l, "rids", rids.data, rids.len);
    if (why) tp_log_str(&l, "detail", why, strlen(why));
    tp_log_end(&l);
    tp_buf_free(&rows);
    tp_buf_free(&rids);
}

static int send_group(const flush_config *cfg, const queued *g, size_t n, const char *title)
{
    bool moderation = strcmp(g[0].kind, "moderation") == 0;
    bool alert = strcmp(g[0].kind, "admin") == 0;
    bool reset = strcmp(g[0].kind, RESET_KIND) == 0;
    char talk_url[400], unsubscribe[600] = "", subject[1200], err[300], token[TOKEN_TEXT_MAX];
    snprintf(talk_url, sizeof talk_url, "%s/talk/%" PRId64, cfg->public_url, g[0].talk_id);
    if (!moderation && !alert && !reset) {
        token_make(g[0].subscription_id, token);
        snprintf(unsubscribe, sizeof unsubscribe, "%s/unsubscribe/%s", cfg->public_url, token);
    }
    snprintf(subject, sizeof subject,
             moderation ? "New comment to review on \"%s\"" : "New comment on \"%s\"", title);
    tp_buf text = TP_BUF_INIT, html = TP_BUF_INIT, message = TP_BUF_INIT;
    if (alert) {
        snprintf(subject, sizeof subject, "Talks: errors logged");
        write_alert(&text, g, n);
    } else if (reset) { /* one link per mail: the newest, if one address asked twice */
        tp_w ctx;
        reset_write(&g[n - 1], cfg->public_url, subject, sizeof subject, &text, &ctx);
        render_html(cfg, "mail_reset", &ctx, &html);
    } else {
        write_text(&text, g, n, moderation, title, talk_url, cfg->public_url, unsubscribe);
        write_html(&html, cfg, g, n, moderation, title, talk_url, unsubscribe);
    }
    const char *host = strstr(cfg->public_url, "://");
    char message_id[64]; /* the same rows make the same mail: a resent one keeps its id */
    snprintf(message_id, sizeof message_id, "talks.%" PRId64 "-%" PRId64 ".%zu", g[0].id,
             g[n - 1].id, n);
    mail_message m = {
        .from_name = "Talks",
        .from_addr = cfg->sender,
        .to_name = g[0].recipient_name[0] ? g[0].recipient_name : NULL,
        .to_addr = g[0].recipient,
        .subject = subject,
        .text = text.data,
        .html = html.len ? html.data : NULL,
        .unsubscribe_url = unsubscribe[0] ? unsubscribe : NULL,
        .message_id_domain = host ? host + 3 : NULL,
        .message_id = message_id,
        .date = (int64_t)time(NULL),
    };
    int rc = 0;
    if (mail_message_build(&m, &message)) {
        /* An address no mail can be written to will not get better by waiting. */
        log_mail(TP_WARN, g, n, "mail dropped: not a deliverable address", NULL);
    } else if ((rc = mail_sender_send(cfg->out, cfg->sender, g[0].recipient, &message, err,
                                      sizeof err))) {
        log_mail(TP_WARN, g, n, "mail not sent", err);
    } else {
        log_mail(TP_INFO, g, n, "mail sent", NULL);
    }
    tp_buf_free(&text);
    tp_buf_free(&html);
    tp_buf_free(&message);
    return rc;
}

static bool same_group(const queued *a, const queued *b)
{
    return strcmp(a->recipient, b->recipient) == 0 && a->talk_id == b->talk_id &&
           strcmp(a->kind, b->kind) == 0;
}

/* The rows of the one mail sent whose mark mail.db refused: recorded before anything else is
 * sent. Only the background thread flushes (flush.h), so this needs no lock. */
static struct {
    int64_t *ids; /* malloc'd; NULL when nothing is held */
    size_t n;
    int64_t sent_at;
} unrecorded;

/* 0 when nothing is held (any more), -1 while mail.db still refuses the mark. */
static int record_unrecorded(tp_db *db)
{
    if (!unrecorded.ids) return 0;
    if (store_mark_sent(db, unrecorded.ids, unrecorded.n, unrecorded.sent_at)) return -1;
    tp_info(NULL, "flush: the mail sent before mail.db failed is recorded now");
    free(unrecorded.ids);
    unrecorded.ids = NULL;
    unrecorded.n = 0;
    return 0;
}

int flush_due(tp_db *db, const flush_config *cfg)
{
    if (record_unrecorded(db)) {
        tp_warn(NULL, "flush: mail.db still cannot record a mail already sent; no mail goes out "
                      "until it can");
        return -1;
    }
    queued *q;
    size_t n;
    int64_t now = (int64_t)time(NULL);
    if (store_due(db, now, cfg->only_kind, &q, &n)) return -1;
    int sent = 0;
    bool stopped = false;
    char title[1100];
    int64_t title_of = 0;
    for (size_t i = 0; i < n && !stopped;) {
        size_t j = i + 1;
        while (j < n && same_group(&q[i], &q[j])) j++;
        int64_t *ids = tp_xmalloc((j - i) * sizeof *ids);
        for (size_t k = i; k < j; k++) ids[k - i] = q[k].id;
        long wait = cfg->flush_seconds << (q[i].attempts < 12 ? q[i].attempts : 12);
        if (store_mark_attempt(db, ids, j - i,
                               now + (wait < BACKOFF_MAX_S ? wait : BACKOFF_MAX_S))) {
            tp_warn(NULL, "flush: mail.db cannot be written; no mail goes out until it can");
            stopped = true;
        } else {
            int rc = 0;
            if (q[i].talk_id && title_of != q[i].talk_id) { /* error reports are about no talk */
                rc = talk_title(q[i].talk_id, q[i].rid, title, sizeof title);
                title_of = rc ? 0 : q[i].talk_id;
            }
            if (rc == 0) rc = send_group(cfg, &q[i], j - i, title);
            if (rc == 0 && store_mark_sent(db, ids, j - i, now)) {
                tp_error(q[i].rid,
                         "flush: mail to %s was sent but mail.db cannot record it; no mail goes "
                         "out until it can",
                         q[i].recipient);
                unrecorded.ids = ids;
                unrecorded.n = j - i;
                unrecorded.sent_at = now;
                ids = NULL;
                stopped = true;
            } else if (rc == 0) {
                sent++;
            }
        }
        free(ids);
        i = j;
    }
    store_due_free(q, n);
    mail_sender_close_connection(cfg->out);
    if (sent) tp_info(NULL, "flush: %d mails sent", sent);
    return stopped ? -1 : sent;
}
