/* tp_events: publishing events on the bus. A service's PUB socket dials the hub's events-in
 * address (TALKS_BUS_EVENTS_IN); the gateway forwards everything to its events-out address,
 * where subscribers dial in. A message is the topic ("comment.created"), one space, then a
 * msgpack map {seq, type, comment}.
 *
 * Design notes: pub/sub is the fast path only. A subscriber that was away, or just connected
 * (nng's slow joiner), misses messages; the publishing service keeps every event in its outbox
 * and answers "events after N", which is how a subscriber fills gaps. So a send that fails is
 * not an error. */
#ifndef TP_EVENTS_H
#define TP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "tp_buf.h"

int tp_events_open_publisher(char *err, size_t errlen);
/* Publishes without waiting; a lost message is recovered from the outbox. */
void tp_events_publish(int64_t seq, const char *type, const tp_buf *payload_msgpack);
void tp_events_close_publisher(void);

/* In production with MAIL_ADMIN set, every error this process logs is also published as a
 * "log.error" event ({svc, line}), which svc-mail mails to MAIL_ADMIN, rate-limited. Opens the
 * publisher if needed; does nothing otherwise. */
int tp_events_forward_errors(const char *service, char *err, size_t errlen);

#endif
