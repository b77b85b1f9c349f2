/* events_hub: the gateway's part of the event bus — it forwards every event published to
 * TALKS_BUS_EVENTS_IN to every subscriber of TALKS_BUS_EVENTS_OUT (see proto/tp_events.h),
 * and shows each one to the gateway itself on the way (the page cache listens). */
#ifndef EVENTS_HUB_H
#define EVENTS_HUB_H

#include <stddef.h>

/* Called on the hub's own thread with each event (topic, space, msgpack) before it goes on. */
typedef void (*events_hub_fn)(const char *event, size_t len);

int events_hub_start(events_hub_fn on_event, char *err, size_t errlen);
void events_hub_stop(void);

#endif
