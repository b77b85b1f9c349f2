/* tp_events: the publishing side of the event bus (see tp_events.h). */
#include "tp_events.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdio.h>
#include <string.h>

#include "tp_config.h"
#include "tp_msg.h"
#include "tp_svc.h"

static nng_socket publisher = NNG_SOCKET_INITIALIZER;

int tp_events_open_publisher(char *err, size_t errlen)
{
    const char *url = tp_config_get(TALKS_BUS_EVENTS_IN);
    int rv = nng_pub0_open(&publisher);
    if (rv == 0) {
        tp_socket_defaults(publisher);
        rv = nng_dial(publisher, url, NULL, NNG_FLAG_NONBLOCK);
    }
    if (rv != 0) {
        snprintf(err, errlen, "TALKS_BUS_EVENTS_IN: cannot dial %.300s: %s", url, nng_strerror(rv));
        return -1;
    }
    return 0;
}

void tp_events_publish(int64_t seq, const char *type, const tp_buf *payload)
{
    tp_w w;
    tp_w_init(&w);
    tp_buf_puts(&w.buf, type);
    tp_buf_putc(&w.buf, ' ');
    tp_w_map_begin(&w);
    tp_w_kint(&w, "seq", seq);
    tp_w_kstr(&w, "type", type);
    tp_w_key(&w, "comment");
    tp_w_encoded(&w, payload->data, payload->len);
    tp_w_map_end(&w);
    nng_send(publisher, w.buf.data, w.buf.len, NNG_FLAG_NONBLOCK);
    tp_w_free(&w);
}

void tp_events_close_publisher(void)
{
    nng_close(publisher);
}
