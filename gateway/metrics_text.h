/* metrics_text: the families of tp_metrics.h's wire form, from the gateway and from each service
 * that answered a scrape, written as one page of the Prometheus text format (version 0.0.4).
 *
 * What a service sends is input like any reply: every name, label and number is checked here, a
 * family that is not as tp_metrics.h says is left out whole, and a series that is not, alone. A
 * family's name must start with "talks_". Families of the same name from several sources become
 * one (HELP and TYPE once, from the first; a source whose type or bounds differ is left out of
 * it), so the page stays valid whatever the services send. */
#ifndef METRICS_TEXT_H
#define METRICS_TEXT_H

#include <stddef.h>

#include "tp_buf.h"
#include "tp_msg.h"

typedef struct metrics_source {
    const msgpack_object *families; /* the array of families */
    /* Labels put first on each of its series (a service's name and replica), or NULL. Their
     * names are reserved: a series that sets one itself is left out. */
    const char *service, *replica;
} metrics_source;

/* Appends the page to out; returns how many families and series were left out. */
int metrics_text_write(const metrics_source *sources, size_t n, tp_buf *out);

#endif
