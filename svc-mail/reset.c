/* reset: password reset mails (see reset.h). */
#include "reset.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tp_log.h"
#include "tp_op_inputs.h"
#include "tp_relay.h"

#define RELAY_TIMEOUT 3000
#define TOKEN_MAX     64
#define NAME_MAX_     256

/* A link handed over by a worker, waiting for the mail loop to queue it. */
typedef struct pending_reset {
    struct pending_reset *next;
    char email[STORE_EMAIL_MAX + 1], name[NAME_MAX_ + 1], token[TOKEN_MAX + 1], rid[65];
} pending_reset;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pending_reset *pending; /* newest first; under lock */

static void copy(char *out, size_t outlen, tp_str s)
{
    snprintf(out, outlen, "%.*s", (int)s.n, s.p);
}

tp_err reset_op(tp_call *c)
{
    tp_str email, addr = {NULL, 0};
    if (tp_get_str(c->msg, "email", 1024, &email) || tp_opt_str(c->msg, "addr", 64, &addr))
        return tp_fail(c, TP_EBADMSG, "email is required");
    char rid[65];
    copy(rid, sizeof rid, c->rid);
    tp_msg reply;
    char err[200];
    if (tp_relay_call(AUTH_RESET_TOKEN, rid, RELAY_TIMEOUT, &reply, err, sizeof err, .email = email,
                      .addr = addr))
        return tp_fail(c, TP_EUNAVAILABLE, "svc-auth cannot be asked now: %s", err);

    bool ok = false, found = false;
    tp_str code = {"", 0}, to, name, token;
    tp_get_bool(reply.root, "ok", &ok);
    tp_opt_str(reply.root, "err", 32, &code);
    tp_err e = TP_OK;
    if (!ok && tp_err_from_name(code.p, code.n) == TP_ETHROTTLED) {
        e = tp_fail(c, TP_ETHROTTLED, "Too many reset requests. Please try again later.");
    } else if (!ok || tp_get_bool(reply.root, "found", &found)) {
        e = tp_fail(c, TP_EUNAVAILABLE, "svc-auth could not make a reset link");
    } else if (found) {
        /* A reply is input: a link that does not fit is no link. */
        if (tp_get_str(reply.root, "email", STORE_EMAIL_MAX, &to) ||
            tp_get_str(reply.root, "name", NAME_MAX_, &name) ||
            tp_get_str(reply.root, "token", TOKEN_MAX, &token)) {
            e = tp_fail(c, TP_EUNAVAILABLE, "svc-auth's reset link is malformed");
        } else {
            pending_reset *p = tp_xmalloc(sizeof *p);
            copy(p->email, sizeof p->email, to);
            copy(p->name, sizeof p->name, name);
            copy(p->token, sizeof p->token, token);
            memcpy(p->rid, rid, sizeof rid);
            pthread_mutex_lock(&lock);
            p->next = pending;
            pending = p;
            pthread_mutex_unlock(&lock);
        }
    }
    tp_msg_free(&reply);
    return e;
}

static void forget(pending_reset *p)
{
    sodium_memzero(p->token, sizeof p->token);
    free(p);
}

int reset_queue_pending(tp_db *db)
{
    pthread_mutex_lock(&lock);
    pending_reset *list = pending;
    pending = NULL;
    pthread_mutex_unlock(&lock);
    if (!list) return 0;

    int n = 0, rc = tp_db_begin(db);
    int64_t now = (int64_t)time(NULL);
    for (pending_reset *p = list; p && rc == 0; p = p->next, n++) {
        /* The key names the link without holding it: a hash of its token. */
        unsigned char hash[16];
        char key[6 + 2 * sizeof hash + 1] = "reset:";
        crypto_generichash(hash, sizeof hash, (const unsigned char *)p->token, strlen(p->token),
                           NULL, 0);
        sodium_bin2hex(key + 6, sizeof key - 6, hash, sizeof hash);
        tp_str empty = {"", 0};
        rc = store_queue_add(db, key, RESET_KIND, (tp_str){p->email, strlen(p->email)},
                             (tp_str){p->name, strlen(p->name)}, 0, 0, 0, empty,
                             (tp_str){p->token, strlen(p->token)}, (tp_str){p->rid, strlen(p->rid)},
                             now);
    }
    if (rc == 0 && tp_db_commit(db)) rc = -1;
    if (rc) {
        tp_db_rollback(db);
        /* Kept for the next turn: put back in front of whatever came meanwhile. */
        pthread_mutex_lock(&lock);
        pending_reset *last = list;
        while (last->next) last = last->next;
        last->next = pending;
        pending = list;
        pthread_mutex_unlock(&lock);
        tp_warn(NULL, "reset: mail.db cannot queue %d reset mail(s) now; trying again", n);
        return -1;
    }
    while (list) {
        pending_reset *next = list->next;
        forget(list);
        list = next;
    }
    return n;
}

void reset_write(const queued *q, const char *public_url, char *subject, size_t subject_len,
                 tp_buf *text, tp_w *html_ctx)
{
    char url[512];
    snprintf(url, sizeof url, "%s/auth/reset/%s", public_url, q->comment_body);
    snprintf(subject, subject_len, "Reset your password on Talks");
    tp_buf_printf(text,
                  "Hello %s,\n\nSomeone, we hope you, asked to reset the password of your account "
                  "on Talks. Choose a new one here:\n\n%s\n\nThe link works once, for an hour. If "
                  "you did not ask, ignore this mail: your password stays as it is.\n",
                  q->recipient_name, url);
    tp_w_init(html_ctx);
    tp_w_map_begin(html_ctx);
    tp_w_kstr(html_ctx, "recipient_name", q->recipient_name);
    tp_w_kstr(html_ctx, "reset_url", url);
    tp_w_map_end(html_ctx);
}
