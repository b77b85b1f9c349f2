/* comment: a new comment's fields as svc-comments validates them. */
#ifndef COMMENTS_COMMENT_H
#define COMMENTS_COMMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_msg.h"
#include "tp_text.h"

#define COMMENT_BODY_MAX_CHARS 10000
#define COMMENT_NAME_MAX_CHARS 64

typedef struct comment_input {
    int64_t talk_id, talk_author_id;
    int64_t author_id; /* 0 for a visitor */
    tp_str author_name, author_email, body, addr;
    bool notify;
} comment_input;

typedef struct comment_errors {
    const char *name, *email, *body; /* NULL when fine */
    char buffer[3][TP_TEXT_MESSAGE_MAX];
} comment_errors;

/* -1 when the message is malformed; else 0, with *errors saying which fields are wrong. A
 * registered author's name comes from the gateway and is not checked as a visitor's is. */
int comment_input_read(const msgpack_object *msg, comment_input *in, comment_errors *errors);
bool comment_errors_any(const comment_errors *errors);
void comment_errors_write(const comment_errors *errors, tp_w *w);

#endif
