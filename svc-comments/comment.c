/* comment: validation of a new comment (see comment.h). */
#include "comment.h"

#include <string.h>

int comment_input_read(const msgpack_object *msg, comment_input *in, comment_errors *e)
{
    memset(e, 0, sizeof *e);
    memset(in, 0, sizeof *in);
    if (tp_get_int(msg, "talk_id", 1, INT64_MAX, &in->talk_id) ||
        tp_get_int(msg, "talk_author_id", 1, INT64_MAX, &in->talk_author_id) ||
        tp_opt_int(msg, "author_id", 0, INT64_MAX, 0, &in->author_id) ||
        tp_get_str(msg, "author_name", 65536, &in->author_name) ||
        tp_opt_str(msg, "author_email", 65536, &in->author_email) ||
        tp_get_str(msg, "body", 1 << 20, &in->body) || tp_opt_str(msg, "addr", 64, &in->addr) ||
        tp_opt_bool(msg, "notify", false, &in->notify))
        return -1;
    if (!in->author_id) {
        e->name = tp_text_check(in->author_name, COMMENT_NAME_MAX_CHARS, "Name", TP_TEXT_REQUIRED,
                                e->buffer[0]);
        e->email = tp_text_email(in->author_email);
    } else {
        in->notify = false; /* speakers hear of comments on their talks anyway */
    }
    e->body = tp_text_check(in->body, COMMENT_BODY_MAX_CHARS, "Comment",
                            TP_TEXT_REQUIRED | TP_TEXT_MULTILINE, e->buffer[2]);
    return 0;
}

bool comment_errors_any(const comment_errors *e)
{
    return e->name || e->email || e->body;
}

void comment_errors_write(const comment_errors *e, tp_w *w)
{
    tp_w_key(w, "fields");
    tp_w_map_begin(w);
    if (e->name) tp_w_kstr(w, "name", e->name);
    if (e->email) tp_w_kstr(w, "email", e->email);
    if (e->body) tp_w_kstr(w, "body", e->body);
    tp_w_map_end(w);
}
