/* subscriber: svc-mail's subscription to the event bus (wake-ups for comment events, and error
 * reports), read with a timeout of our own.
 *
 * Design notes: nng 1.5.2's timer thread spins for up to a millisecond on every receive timeout
 * that fires, and the mail loop's waits end that way many times a second (its idle wake-ups,
 * the end of each gathering window). So the receive is started without a timeout and we wait for
 * it on a condition variable; a wait that times out leaves it under way for the next one. */
#ifndef SUBSCRIBER_H
#define SUBSCRIBER_H

#include <nng/nng.h>
#include <stdint.h>

typedef struct subscriber subscriber;

/* Subscribes to "comment.events " and "log.error " messages at TALKS_BUS_EVENTS_OUT; NULL on
 * failure. */
subscriber *subscriber_open(void);
/* The next message (the caller frees it with nng_msg_free), waiting at most timeout_ms: 0, or
 * NNG_ETIMEDOUT, or nng's error. */
int subscriber_recv(subscriber *s, int64_t timeout_ms, nng_msg **msg);
void subscriber_close(subscriber *s);

#endif
