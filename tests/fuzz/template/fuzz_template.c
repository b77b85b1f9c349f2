/* fuzz_template: libFuzzer target for the template compiler and renderer (proto/tp_template.c):
 * any source either fails to load with a message or renders, bounded, against a sample context;
 * a raw tag on a name not ending in _html never loads. */
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_msg.h"
#include "tp_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sample_context(tp_w *w)
{
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kstr(w, "name", "<zq\"'&>");
    tp_w_kstr(w, "body_html", "<p>ok</p>");
    tp_w_kint(w, "n", 0);
    tp_w_kbool(w, "yes", true);
    tp_w_key(w, "list");
    tp_w_array_begin(w);
    for (int i = 0; i < 3; i++) {
        tp_w_map_begin(w);
        tp_w_kint(w, "n", i);
        tp_w_kstr(w, "name", "x");
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
    tp_w_map_end(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    tpl_set *set = tpl_set_new();
    if (tpl_add(set, "page", (const char *)data, size, err, sizeof err) == 0 &&
        tpl_add(set, "part", "{{name}}{{#list}}{{n}}{{/list}}", 31, err, sizeof err) == 0 &&
        tpl_link(set, err, sizeof err) == 0) {
        tp_w w;
        tp_msg ctx;
        sample_context(&w);
        if (tp_msg_parse(&ctx, w.buf.data, w.buf.len) != 0) abort();
        tp_buf out = TP_BUF_INIT;
        tpl_render(set, "page", ctx.root, &out);
        /* Escaping by default: a double quote is in name's value only (body_html, the one raw
         * value, has none), escaped as &quot;, so one in the page came from the template. Not a
         * test for name's whole text: a template writes "<zq" around a missing name itself. */
        if (out.data && memchr(out.data, '"', out.len) && !memchr(data, '"', size)) abort();
        tp_buf_free(&out);
        tp_msg_free(&ctx);
        tp_w_free(&w);
    }
    tpl_free(set);
    return 0;
}
