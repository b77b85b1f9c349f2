/* tp_events: publishing events on the bus. A service's PUB socket dials the hub's events-in
 * address (TALKS_BUS_EVENTS_IN); the gateway forwards everything to its events-out address,
 * where subscribers dial in. A comment event message is the topic "comment.events", one space,
 * then a msgpack array of event maps {seq, type, comment} in the order they were published (comment
 * is a hint: {id, talk_id, approved}, nothing a stranger should read); an error report is
 * "log.error", one space, then a map {svc, line}. Only stack members can publish or subscribe
 * (tp_bus.h), and a subscriber treats a comment event as a wake-up: what it acts on, it reads from
 * the publisher's outbox.
 *
 * Design notes: events are batched because every message wakes threads at each hop (the PUB
 * socket, the gateway's hub, each subscriber), and that cost, not the bytes, is what a comment
 * POST paid for its event. There is no timer: the thread that publishes while no send is under
 * way sends at once, and keeps sending, one message each time, whatever other threads added
 * meanwhile. So an idle service sends each event alone and without delay, and a busy one sends
 * few messages. A service whose writes are group-committed (tp_writer) publishes a batch's
 * events together, after its COMMIT. Pub/sub is the fast path only. A subscriber that was away, or
 * just connected (nng's slow joiner), misses messages; the publishing service keeps every event in
 * its outbox and answers "events after N", which is how a subscriber fills gaps. So a send that
 * fails, or a lost message, is not an error. */
#ifndef TP_EVENTS_H
#define TP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_buf.h"
#include "tp_msg.h"

/* Every comment event: the outbox's "type" and each pub/sub event's, one list. talk.deleted says
 * a talk's comments went with it: its "comment" is {talk_id} in the outbox, and its hint names
 * the talk as both id and talk_id (no comment), approved (what visitors see changed). */
#define TP_EVENT_TYPES(X)                                                                          \
    X(TP_EV_COMMENT_CREATED, "comment.created")                                                    \
    X(TP_EV_COMMENT_APPROVED, "comment.approved")                                                  \
    X(TP_EV_COMMENT_DELETED, "comment.deleted")                                                    \
    X(TP_EV_TALK_DELETED, "talk.deleted")

enum tp_event_type {
#define TP_EV_ENUM(id, wire) id,
    TP_EVENT_TYPES(TP_EV_ENUM)
#undef TP_EV_ENUM
        TP_EV_COUNT
};

const char *tp_event_name(enum tp_event_type type);
/* The type named s, or -1. */
int tp_event_by_name(tp_str s);

/* The topic of comment events (what a subscriber subscribes to, space included). */
#define TP_EVENTS_TOPIC     "comment.events "
#define TP_EVENTS_TOPIC_LEN (sizeof TP_EVENTS_TOPIC - 1)

/* What pub/sub says of a comment (an event's "comment"): which one, on which talk, and whether
 * visitors see it. */
typedef struct tp_event_hint {
    int64_t id, talk_id;
    bool approved;
} tp_event_hint;
void tp_event_hint_write(tp_w *w, const tp_event_hint *hint);
/* 0 with the hint read from o, or -1 when o is not one. */
int tp_event_hint_read(const msgpack_object *o, tp_event_hint *hint);

int tp_events_open_publisher(char *err, size_t errlen);
/* Publishing is two steps, so that events made together go out in one message: queue each,
 * then flush, which sends everything queued without waiting for subscribers, or leaves it to the
 * thread sending now, which sends it next. A lost message is recovered from the outbox. */
void tp_events_queue(int64_t seq, enum tp_event_type type, const tp_buf *payload_msgpack);
void tp_events_flush(void);
/* Reads a "comment.events" message: 0 with *events the array (each element a map), pointing
 * into out, which the caller frees; -1 for any other or malformed message (out is then freed). */
int tp_events_parse(const char *msg, size_t len, tp_msg *out, const msgpack_object **events);
void tp_events_close_publisher(void);

/* In production with MAIL_ADMIN set, every error this process logs is also published as a
 * "log.error" event ({svc, line}), which svc-mail mails to MAIL_ADMIN, rate-limited. Opens the
 * publisher if needed; does nothing otherwise. */
int tp_events_forward_errors(const char *service, char *err, size_t errlen);

#endif
