/* events_hub: the gateway's part of the event bus — it forwards every event published to
 * TALKS_BUS_EVENTS_IN to every subscriber of TALKS_BUS_EVENTS_OUT (see proto/tp_events.h). */
#ifndef EVENTS_HUB_H
#define EVENTS_HUB_H

#include <stddef.h>

int events_hub_start(char *err, size_t errlen);
void events_hub_stop(void);

#endif
