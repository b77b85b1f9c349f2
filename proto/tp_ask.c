/* tp_ask: a request and its reply on a REQ socket (see tp_ask.h). */
#include "tp_ask.h"

#include <stdio.h>

#include "tp_op_inputs.h"

int tp_ask(nng_socket s, enum tp_op_id op, const void *in, const char *rid, int timeout_ms,
           tp_msg *reply, char *err, size_t errlen)
{
    nng_ctx ctx;
    nng_aio *aio = NULL;
    nng_msg *msg = NULL;
    int rv;
    if ((rv = nng_ctx_open(&ctx, s)) != 0) goto fail;
    tp_w req;
    tp_w_init(&req);
    tp_w_call(&req, op, rid, in);
    if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0 || (rv = nng_msg_alloc(&msg, 0)) != 0 ||
        (rv = nng_msg_append(msg, req.buf.data, req.buf.len)) != 0) {
        tp_w_free(&req);
        goto close;
    }
    tp_w_free(&req);
    nng_aio_set_timeout(aio, timeout_ms);
    nng_aio_set_msg(aio, msg);
    nng_ctx_send(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) goto close; /* msg is still ours */
    msg = NULL;
    nng_ctx_recv(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) goto close;
    msg = nng_aio_get_msg(aio);
    rv = tp_msg_parse(reply, nng_msg_body(msg), nng_msg_len(msg)) ? NNG_EPROTO : 0;
close:
    if (msg) nng_msg_free(msg);
    if (aio) nng_aio_free(aio);
    nng_ctx_close(ctx);
    if (rv == 0) return 0;
fail:
    snprintf(err, errlen, "%s", nng_strerror(rv));
    return -1;
}
