/* Unit tests for proto/tp_events.c: the message format both sides agree on (tp_events_parse
 * refuses anything else), and the publisher, through a real SUB socket: each event arrives
 * once, in its publisher's order, even when many threads publish at once and share messages. */
#include "tp_events.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>
#include <pthread.h>
#include <stdlib.h>

#include "../check.h"

#define URL "inproc://tp-events-test"

/* "<topic> " followed by whatever w holds; freed by the caller. */
static char *message(const char *topic, tp_w *w, size_t *len)
{
    tp_buf b = TP_BUF_INIT;
    tp_buf_puts(&b, topic);
    tp_buf_putc(&b, ' ');
    tp_buf_append(&b, w->buf.data, w->buf.len);
    tp_w_free(w);
    return tp_buf_take(&b, len);
}

static void write_event(tp_w *w, int64_t seq, const char *type)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "seq", seq);
    tp_w_kstr(w, "type", type);
    tp_w_key(w, "comment");
    tp_w_map_begin(w);
    tp_w_kint(w, "id", seq * 10);
    tp_w_map_end(w);
    tp_w_map_end(w);
}

/* Parses an exact-size heap copy, freed before returning, so ASan sees a read past the end. */
static int parse(const char *msg, size_t len, tp_msg *out, const msgpack_object **events)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, msg, len);
    int rc = tp_events_parse(copy, len, out, events);
    free(copy);
    return rc;
}

static bool refused(const char *topic, tp_w *w)
{
    size_t len;
    char *msg = message(topic, w, &len);
    tp_msg m;
    const msgpack_object *events = NULL;
    bool ok = parse(msg, len, &m, &events) == -1 && events == NULL && m.root == NULL;
    tp_msg_free(&m); /* a refused message may still be freed */
    free(msg);
    return ok;
}

static void parse_reads_every_event_of_a_batch_in_order(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_array_begin(&w);
    write_event(&w, 7, "comment.created");
    write_event(&w, 8, "comment.deleted");
    tp_w_array_end(&w);
    size_t len;
    char *msg = message("comment.events", &w, &len);
    tp_msg m;
    const msgpack_object *events;
    CHECK(parse(msg, len, &m, &events) == 0);
    CHECK(events->type == MSGPACK_OBJECT_ARRAY && events->via.array.size == 2);
    int64_t seq = 0, id = 0;
    tp_str type;
    CHECK(tp_get_int(&events->via.array.ptr[1], "seq", 1, 100, &seq) == 0 && seq == 8);
    CHECK(tp_get_str(&events->via.array.ptr[1], "type", 32, &type) == 0 &&
          tp_str_eq(type, "comment.deleted"));
    CHECK(tp_get_int(tp_map_get(&events->via.array.ptr[0], "comment"), "id", 1, 100, &id) == 0 &&
          id == 70);
    tp_msg_free(&m);
    free(msg);
}

static void parse_refuses_other_topics_and_the_old_single_event_format(void)
{
    tp_w w;
    tp_w_init(&w);
    write_event(&w, 1, "comment.created");
    CHECK(refused("comment.created", &w));
    tp_w_init(&w);
    tp_w_array_begin(&w);
    tp_w_array_end(&w);
    CHECK(refused("log.error", &w));
    tp_w_init(&w);
    tp_w_array_begin(&w);
    tp_w_array_end(&w);
    CHECK(refused("comment.eventsx", &w));
    tp_w_init(&w);
    CHECK(refused("comment.events", &w)); /* the topic alone */
    tp_msg m;
    const msgpack_object *events = NULL;
    CHECK(parse("comment.events", 14, &m, &events) == -1 && events == NULL);
    tp_msg_free(&m);
}

static void parse_refuses_a_batch_with_an_element_that_is_not_a_map(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_array_begin(&w);
    write_event(&w, 1, "comment.created");
    tp_w_int(&w, 2);
    tp_w_array_end(&w);
    CHECK(refused("comment.events", &w));
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "seq", 1);
    tp_w_map_end(&w);
    CHECK(refused("comment.events", &w)); /* a map, not an array of them */
}

static void parse_refuses_a_batch_truncated_at_every_byte(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_array_begin(&w);
    write_event(&w, 1, "comment.created");
    write_event(&w, 2, "comment.approved");
    tp_w_array_end(&w);
    size_t len;
    char *msg = message("comment.events", &w, &len);
    for (size_t n = 0; n < len; n++) {
        tp_msg m;
        const msgpack_object *events;
        CHECK(parse(msg, n, &m, &events) == -1);
        tp_msg_free(&m);
    }
    free(msg);
}

/* ---- the publisher, through a SUB socket ---- */

static nng_socket sub;

#define PROBE_SEQ 999999

/* The next message, parsed, that is not one of open_pair's probes (seq PROBE_SEQ; each goes
 * alone, since every probe's send is over before the next is published); false after the
 * receive timeout without one. */
static bool receive(tp_msg *m, const msgpack_object **events)
{
    for (;;) {
        void *buf;
        size_t len;
        if (nng_recv(sub, &buf, &len, NNG_FLAG_ALLOC)) return false;
        int rc = tp_events_parse(buf, len, m, events);
        nng_free(buf, len);
        if (rc != 0) return false;
        int64_t seq = 0;
        tp_get_int(&(*events)->via.array.ptr[0], "seq", 0, INT64_MAX, &seq);
        if ((*events)->via.array.size == 0 || seq != PROBE_SEQ) return true;
        tp_msg_free(m);
    }
}

static void publish(int64_t seq, enum tp_event_type type, const tp_buf *payload)
{
    tp_events_queue(seq, type, payload);
    tp_events_flush();
}

static bool probe_arrives(void)
{
    void *buf;
    size_t len;
    if (nng_recv(sub, &buf, &len, NNG_FLAG_ALLOC)) return false;
    nng_free(buf, len);
    return true;
}

static void open_pair(void)
{
    char err[200];
    CHECK(nng_sub0_open(&sub) == 0);
    nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "comment.", 8);
    nng_socket_set_int(sub, NNG_OPT_RECVBUF, 8192);
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 2000);
    CHECK(nng_listen(sub, URL, NULL, 0) == 0);
    setenv("TALKS_BUS_EVENTS_IN", URL, 1);
    CHECK(tp_events_open_publisher(err, sizeof err) == 0);
    /* The dial completes in the background: publish until something arrives. */
    tp_buf none = TP_BUF_INIT;
    tp_buf_append(&none, "\xc0", 1);
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 20);
    bool joined = false;
    for (int i = 0; i < 100 && !joined; i++) {
        publish(PROBE_SEQ, TP_EV_COMMENT_CREATED, &none);
        joined = probe_arrives();
    }
    CHECK(joined);
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 2000); /* late probes are skipped by receive */
    tp_buf_free(&none);
}

static void close_pair(void)
{
    tp_events_close_publisher();
    nng_close(sub);
}

static void an_event_published_alone_arrives_at_once_as_a_batch_of_one(void)
{
    open_pair();
    tp_w c;
    tp_w_init(&c);
    tp_w_map_begin(&c);
    tp_w_kbool(&c, "approved", true);
    tp_w_map_end(&c);
    publish(42, TP_EV_COMMENT_CREATED, &c.buf);
    tp_w_free(&c);
    tp_msg m;
    const msgpack_object *events;
    CHECK(receive(&m, &events));
    if (events && m.root) {
        CHECK(events->via.array.size == 1);
        int64_t seq = 0;
        tp_str type;
        bool approved = false;
        const msgpack_object *e = &events->via.array.ptr[0];
        CHECK(tp_get_int(e, "seq", 1, 100, &seq) == 0 && seq == 42);
        CHECK(tp_get_str(e, "type", 32, &type) == 0 && tp_str_eq(type, "comment.created"));
        CHECK(tp_get_bool(tp_map_get(e, "comment"), "approved", &approved) == 0 && approved);
    }
    tp_msg_free(&m);
    close_pair();
}

/* What a group commit does: the events of a batch are queued, then flushed as one message. */
static void queued_events_leave_together_on_flush_and_not_before(void)
{
    open_pair();
    tp_buf none = TP_BUF_INIT;
    tp_buf_append(&none, "\xc0", 1);
    for (int64_t seq = 10; seq < 15; seq++) tp_events_queue(seq, TP_EV_COMMENT_APPROVED, &none);
    /* Nothing is sent before the flush (a probe left over from open_pair may still come). */
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 100);
    tp_msg m;
    const msgpack_object *events;
    CHECK(!receive(&m, &events));
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 2000);
    tp_events_flush();
    CHECK(receive(&m, &events));
    if (events && m.root) {
        CHECK(events->via.array.size == 5);
        for (uint32_t i = 0; i < events->via.array.size; i++) {
            int64_t seq = 0;
            CHECK(tp_get_int(&events->via.array.ptr[i], "seq", 1, 100, &seq) == 0 && seq == 10 + i);
        }
        tp_msg_free(&m);
    }
    tp_buf_free(&none);
    close_pair();
}

#define THREADS       8
#define PER_THREAD    200
#define PAYLOAD_BYTES 20000 /* so that batches also pass the split at MESSAGE_MAX */

static void *publish_many(void *arg)
{
    int64_t first = (int64_t)(intptr_t)arg * PER_THREAD + 1;
    tp_w c;
    tp_w_init(&c);
    tp_w_map_begin(&c);
    char *body = malloc(PAYLOAD_BYTES);
    memset(body, 'x', PAYLOAD_BYTES);
    tp_w_kstrn(&c, "body", body, PAYLOAD_BYTES);
    tp_w_map_end(&c);
    free(body);
    for (int64_t seq = first; seq < first + PER_THREAD; seq++)
        publish(seq, TP_EV_COMMENT_CREATED, &c.buf);
    tp_w_free(&c);
    return NULL;
}

/* PUB drops messages for a subscriber that falls behind (the outbox recovers them), so under
 * this load not all may arrive; none may arrive twice or out of its publisher's order. */
static void events_published_at_once_arrive_at_most_once_in_each_publishers_order(void)
{
    open_pair();
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 500);
    pthread_t threads[THREADS];
    for (intptr_t i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, publish_many, (void *)i);
    static int seen[THREADS * PER_THREAD + 1];
    int64_t last[THREADS] = {0};
    size_t total = 0, messages = 0;
    bool in_order = true, once = true;
    tp_msg m;
    const msgpack_object *events;
    while (total < THREADS * PER_THREAD && receive(&m, &events)) {
        messages++;
        for (uint32_t i = 0; i < events->via.array.size; i++) {
            int64_t seq = 0;
            tp_get_int(&events->via.array.ptr[i], "seq", 1, THREADS * PER_THREAD, &seq);
            once = once && ++seen[seq] == 1;
            size_t t = (size_t)(seq - 1) / PER_THREAD;
            in_order = in_order && seq > last[t];
            last[t] = seq;
            total++;
        }
        tp_msg_free(&m);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    CHECK(total > 0 && messages <= total);
    CHECK(once);
    CHECK(in_order);
    close_pair();
}

/* Every type is found by its own name, and a hint reads back as written. */
static void event_types_and_hints_round_trip(void)
{
    for (int t = 0; t < TP_EV_COUNT; t++)
        CHECK(tp_event_by_name((tp_str){tp_event_name(t), strlen(tp_event_name(t))}) == t);
    CHECK(tp_event_by_name((tp_str){"comment.probe", 13}) == -1);
    tp_w w;
    tp_w_init(&w);
    tp_event_hint_write(&w, &(tp_event_hint){.id = 5, .talk_id = 9, .approved = true});
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    tp_event_hint h = {0};
    CHECK(tp_event_hint_read(m.root, &h) == 0 && h.id == 5 && h.talk_id == 9 && h.approved);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static const check_case cases[] = {
    CASE(event_types_and_hints_round_trip),
    CASE(parse_reads_every_event_of_a_batch_in_order),
    CASE(parse_refuses_other_topics_and_the_old_single_event_format),
    CASE(parse_refuses_a_batch_with_an_element_that_is_not_a_map),
    CASE(parse_refuses_a_batch_truncated_at_every_byte),
    CASE(an_event_published_alone_arrives_at_once_as_a_batch_of_one),
    CASE(queued_events_leave_together_on_flush_and_not_before),
    CASE(events_published_at_once_arrive_at_most_once_in_each_publishers_order),
};

CHECK_MAIN("tp_events", cases)
