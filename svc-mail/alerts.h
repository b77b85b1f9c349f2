/* alerts: errors logged by any process in production, mailed to MAIL_ADMIN (see
 * tp_events_forward_errors). At most one mail every ALERT_INTERVAL_S holds all errors since the
 * last, and at most ALERT_QUEUE_MAX wait at once: an error storm cannot become a mail storm. */
#ifndef MAIL_ALERTS_H
#define MAIL_ALERTS_H

#include <stddef.h>

#include "tp_db.h"

#define ALERT_INTERVAL_S 600
#define ALERT_QUEUE_MAX  100

/* A "log.error" event's msgpack payload: queues it when MAIL_ADMIN is set. */
void alerts_on_error(tp_db *db, const char *payload, size_t len);

#endif
