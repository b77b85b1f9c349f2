/* excerpt: search excerpts with their matched words marked (see excerpt.h). */
#include "excerpt.h"

#include <stdbool.h>
#include <string.h>

#include "tp_template.h"

#define MARK_OPEN  "\xee\x80\x80" /* U+E000 */
#define MARK_CLOSE "\xee\x80\x81" /* U+E001 */
#define MARK_LEN   3

void excerpt_write(tp_w *w, const msgpack_object *hit)
{
    tp_str s = {"", 0};
    tp_get_str(hit, "excerpt", 1 << 20, &s);
    tp_buf text = TP_BUF_INIT, html = TP_BUF_INIT;
    bool open = false;
    size_t from = 0; /* the start of the text not yet copied */
    for (size_t i = 0; i + MARK_LEN <= s.n; i++) {
        bool opens = memcmp(s.p + i, MARK_OPEN, MARK_LEN) == 0;
        if (!opens && memcmp(s.p + i, MARK_CLOSE, MARK_LEN) != 0) continue;
        tp_buf_append(&text, s.p + from, i - from);
        tpl_escape(&html, s.p + from, i - from);
        if (opens != open) tp_buf_puts(&html, opens ? "<mark>" : "</mark>");
        open = opens;
        from = i + MARK_LEN;
        i += MARK_LEN - 1;
    }
    tp_buf_append(&text, s.p + from, s.n - from);
    tpl_escape(&html, s.p + from, s.n - from);
    if (open) tp_buf_puts(&html, "</mark>");
    tp_w_kstrn(w, "excerpt", text.data ? text.data : "", text.len);
    tp_w_kstrn(w, "excerpt_html", html.data ? html.data : "", html.len);
    tp_buf_free(&text);
    tp_buf_free(&html);
}
