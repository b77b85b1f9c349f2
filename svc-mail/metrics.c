/* metrics: svc-mail's queue and event lag for /metrics (see metrics.h).
 *
 * Design notes: the mail loop's thread writes the two atomics below as it catches up; a worker
 * reads them, with mail.db's cursor and queue, when the gateway scrapes. Nothing waits for
 * anything: at worst a scrape sees the lag of the catch-up before. */
#include "metrics.h"

#include <stdatomic.h>
#include <time.h>

#include "events.h"
#include "store.h"
#include "tp_log.h"
#include "tp_metrics.h"

#define KINDS_MAX 8
#define SOURCE    "comments" /* the cursor events.c keeps */

/* The newest outbox seq any catch-up has seen, and since when svc-mail has been behind it
 * (monotonic ns; 0 while it is not). */
static _Atomic int64_t outbox_last_seq;
static _Atomic uint64_t behind_since_ns;

int metrics_fetch_events(int64_t seq, int limit, tp_msg *reply)
{
    int rc = events_fetch_by_relay(seq, limit, reply);
    if (rc) return rc;
    const msgpack_object *list = tp_map_get(reply->root, "events");
    uint32_t n = list && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0;
    int64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t s;
        if (tp_get_int(&list->via.array.ptr[i], "seq", 1, INT64_MAX, &s) == 0 && s > last) last = s;
    }
    if (last > atomic_load(&outbox_last_seq)) atomic_store(&outbox_last_seq, last);
    /* Events after the cursor: behind since now, unless already. None: caught up. */
    if (last > seq) {
        uint64_t zero = 0;
        atomic_compare_exchange_strong(&behind_since_ns, &zero, tp_metrics_now_ns());
    } else {
        atomic_store(&behind_since_ns, 0);
    }
    return 0;
}

void metrics_write(tp_db *db, tp_w *w)
{
    store_queue_stat stats[KINDS_MAX];
    size_t n = 0;
    if (store_queue_stats(db, stats, KINDS_MAX, &n) != 0) n = 0;
    int64_t now = (int64_t)time(NULL), oldest = 0;
    tp_metrics_family(w, "talks_mail_queued", TP_METRIC_GAUGE,
                      "Notifications waiting to be sent, by kind.");
    for (size_t i = 0; i < n; i++)
        tp_metrics_value(w, (double)stats[i].queued, "kind", stats[i].kind, NULL);
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_mail_failed", TP_METRIC_GAUGE,
                      "Notifications waiting whose last attempt failed (or is under way), by "
                      "kind: each is tried again after its backoff.");
    for (size_t i = 0; i < n; i++)
        tp_metrics_value(w, (double)stats[i].failed, "kind", stats[i].kind, NULL);
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_mail_sent_total", TP_METRIC_COUNTER,
                      "Notifications sent (accepted by the SMTP server, or written as .eml), by "
                      "kind.");
    for (size_t i = 0; i < n; i++) {
        tp_metrics_count(w, (uint64_t)stats[i].sent, "kind", stats[i].kind, NULL);
        if (stats[i].oldest && (!oldest || stats[i].oldest < oldest)) oldest = stats[i].oldest;
    }
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_mail_oldest_queued_age_seconds", TP_METRIC_GAUGE,
                      "How long the oldest notification waiting has waited (0: none waits).");
    tp_metrics_value(w, oldest && now > oldest ? (double)(now - oldest) : 0, NULL);
    tp_metrics_family_end(w);

    int64_t cursor = store_cursor(db, SOURCE), last = atomic_load(&outbox_last_seq);
    int64_t lag = cursor >= 0 && last > cursor ? last - cursor : 0;
    uint64_t since = atomic_load(&behind_since_ns), now_ns = tp_metrics_now_ns();
    tp_metrics_family(w, "talks_events_subscriber_lag", TP_METRIC_GAUGE,
                      "Comment events in svc-comments' outbox that svc-mail has not applied yet "
                      "(the outbox's newest seq it has seen minus its cursor).");
    tp_metrics_value(w, (double)lag, NULL);
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_events_subscriber_lag_seconds", TP_METRIC_GAUGE,
                      "How long svc-mail has been behind the outbox (0 when it is not).");
    tp_metrics_value(w, lag && since && now_ns > since ? (double)(now_ns - since) / 1e9 : 0, NULL);
    tp_metrics_family_end(w);
}
