/* tp_events: the publishing side of the event bus (see tp_events.h). */
#include "tp_events.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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
    publisher_open = true;
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
    if (publisher_open) nng_close(publisher);
    publisher_open = false;
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
