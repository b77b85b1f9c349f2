/* tp_events: the publishing side of the event bus (see tp_events.h). */
#include "tp_events.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_bus.h"
#include "tp_config.h"
#include "tp_log.h"
#include "tp_msg.h"
#include "tp_svc.h"

static nng_socket publisher = NNG_SOCKET_INITIALIZER;
static bool publisher_open;
static const char *service_name;

int tp_events_open_publisher(char *err, size_t errlen)
{
    if (publisher_open) return 0;
    int rv = nng_pub0_open(&publisher);
    if (rv != 0) {
        snprintf(err, errlen, "cannot open a PUB socket: %s", nng_strerror(rv));
        return -1;
    }
    tp_socket_defaults(publisher);
    if (tp_bus_dial(publisher, TALKS_BUS_EVENTS_IN, TP_ROLE_BIT(TP_ROLE_GATEWAY), err, errlen))
        return -1;
    publisher_open = true;
    return 0;
}

/* Events waiting to be sent: their maps, encoded back to back, and where each one ends. */
typedef struct batch {
    tp_buf maps;
    size_t *ends;
    size_t n, cap;
} batch;

#define TOPIC TP_EVENTS_TOPIC
/* Subscribers refuse messages over TP_MSG_MAX; one event is some 40 kB at most. */
#define MESSAGE_MAX (TP_MSG_MAX / 2)

static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static batch pending;
static batch spare; /* the batch sent last, emptied: its memory serves the next one */
static bool sending;

static void batch_add(batch *b, const void *map, size_t len)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->ends = tp_xrealloc(b->ends, b->cap * sizeof *b->ends);
    }
    tp_buf_append(&b->maps, map, len);
    b->ends[b->n++] = b->maps.len;
}

static void batch_free(batch *b)
{
    tp_buf_free(&b->maps);
    free(b->ends);
    *b = (batch){TP_BUF_INIT, NULL, 0, 0};
}

/* Sends events [first, last) of b as one message: the topic, then the list of their maps. */
static void send_events(const batch *b, size_t first, size_t last)
{
    tp_w w;
    tp_w_init(&w);
    tp_buf_puts(&w.buf, TOPIC);
    tp_w_array_begin(&w);
    for (size_t i = first; i < last; i++) {
        size_t from = i ? b->ends[i - 1] : 0;
        tp_w_encoded(&w, b->maps.data + from, b->ends[i] - from);
    }
    tp_w_array_end(&w);
    nng_send(publisher, w.buf.data, w.buf.len, NNG_FLAG_NONBLOCK);
    tp_w_free(&w);
}

static void send_batch(const batch *b)
{
    size_t first = 0;
    for (size_t last = 1; last <= b->n; last++) {
        size_t from = first ? b->ends[first - 1] : 0;
        /* A message ends before the event that would take it past MESSAGE_MAX. */
        if (last == b->n || b->ends[last] - from > MESSAGE_MAX) {
            send_events(b, first, last);
            first = last;
        }
    }
}

static const char *const event_names[TP_EV_COUNT] = {
#define TP_EV_NAME(id, wire) [id] = wire,
    TP_EVENT_TYPES(TP_EV_NAME)
#undef TP_EV_NAME
};

const char *tp_event_name(enum tp_event_type type)
{
    return event_names[type];
}

int tp_event_by_name(tp_str s)
{
    for (int t = 0; t < TP_EV_COUNT; t++)
        if (tp_str_eq(s, event_names[t])) return t;
    return -1;
}

void tp_event_hint_write(tp_w *w, const tp_event_hint *hint)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", hint->id);
    tp_w_kint(w, "talk_id", hint->talk_id);
    tp_w_kbool(w, "approved", hint->approved);
    tp_w_map_end(w);
}

int tp_event_hint_read(const msgpack_object *o, tp_event_hint *hint)
{
    return tp_get_int(o, "id", 1, INT64_MAX, &hint->id) ||
                   tp_get_int(o, "talk_id", 1, INT64_MAX, &hint->talk_id) ||
                   tp_get_bool(o, "approved", &hint->approved)
               ? -1
               : 0;
}

void tp_events_queue(int64_t seq, enum tp_event_type type, const tp_buf *payload)
{
    /* Encoded before taking the lock, which then only guards a copy. */
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "seq", seq);
    tp_w_kstr(&w, "type", tp_event_name(type));
    tp_w_key(&w, "comment");
    tp_w_encoded(&w, payload->data, payload->len);
    tp_w_map_end(&w);
    pthread_mutex_lock(&batch_lock);
    batch_add(&pending, w.buf.data, w.buf.len);
    pthread_mutex_unlock(&batch_lock);
    tp_w_free(&w);
}

void tp_events_flush(void)
{
    pthread_mutex_lock(&batch_lock);
    bool send = !sending;
    sending = true;
    /* The sender sends, unlocked, what is pending; whatever arrives meanwhile is the next
     * message, so no event waits for more than the send before it. */
    while (send && pending.n) {
        batch b = pending;
        pending = spare;
        pthread_mutex_unlock(&batch_lock);
        send_batch(&b);
        b.n = 0;
        tp_buf_reset(&b.maps);
        pthread_mutex_lock(&batch_lock);
        spare = b;
    }
    if (send) sending = false;
    pthread_mutex_unlock(&batch_lock);
}

/* A parse that failed: out may be freed again, and need not be. */
static int refuse(tp_msg *out)
{
    tp_msg_free(out); /* which leaves it empty */
    return -1;
}

int tp_events_parse(const char *msg, size_t len, tp_msg *out, const msgpack_object **events)
{
    size_t n = strlen(TOPIC);
    if (len < n || memcmp(msg, TOPIC, n) != 0) {
        *out = (tp_msg){.root = NULL, .bytes = NULL};
        return -1;
    }
    if (tp_msg_parse_array(out, msg + n, len - n)) return -1;
    const msgpack_object *list = out->root;
    for (uint32_t i = 0; i < list->via.array.size; i++)
        if (list->via.array.ptr[i].type != MSGPACK_OBJECT_MAP) return refuse(out);
    *events = list;
    return 0;
}

void tp_events_close_publisher(void)
{
    if (publisher_open) nng_close(publisher);
    publisher_open = false;
    pthread_mutex_lock(&batch_lock);
    batch_free(&pending);
    batch_free(&spare);
    pthread_mutex_unlock(&batch_lock);
}

static void publish_error(const char *line, size_t n)
{
    tp_w w;
    tp_w_init(&w);
    tp_buf_puts(&w.buf, "log.error ");
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "svc", service_name);
    tp_w_kstrn(&w, "line", line, n);
    tp_w_map_end(&w);
    nng_send(publisher, w.buf.data, w.buf.len, NNG_FLAG_NONBLOCK);
    tp_w_free(&w);
}

int tp_events_forward_errors(const char *service, char *err, size_t errlen)
{
    if (!tp_config_is_production() || !*tp_config_get(MAIL_ADMIN)) return 0;
    if (tp_events_open_publisher(err, errlen)) return -1;
    service_name = service;
    tp_log_set_error_hook(publish_error);
    return 0;
}
