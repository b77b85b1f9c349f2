/* tp_buf: a growable byte buffer. Allocation failure is fatal (tp_xmalloc aborts), so the
 * append functions cannot fail; callers cap what they append from outside input. */
#ifndef TP_BUF_H
#define TP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct tp_buf {
    char *data; /* always NUL-terminated when cap > 0 (the NUL is not counted in len) */
    size_t len;
    size_t cap;
} tp_buf;

#define TP_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void *tp_xmalloc(size_t n);
void *tp_xcalloc(size_t n, size_t size);
void *tp_xrealloc(void *p, size_t n);
char *tp_xstrdup(const char *s);
char *tp_xstrndup(const char *s, size_t n);

void tp_buf_reserve(tp_buf *b, size_t extra);
/* Inline while the bytes fit: the msgpack writer appends many small pieces (a key's header,
 * then its bytes), and the call, the reserve and libc's memcpy per piece were a sixth of a list
 * page's work in the gateway. */
static inline void tp_buf_append(tp_buf *b, const void *data, size_t n)
{
    if (n >= b->cap - b->len) tp_buf_reserve(b, n); /* room for n bytes and the NUL */
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}
void tp_buf_puts(tp_buf *b, const char *s);
void tp_buf_putc(tp_buf *b, char c);
void tp_buf_printf(tp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tp_buf_vprintf(tp_buf *b, const char *fmt, va_list ap);
void tp_buf_reset(tp_buf *b); /* len = 0, keeps the memory */
void tp_buf_free(tp_buf *b);
/* Hands the bytes to the caller (who frees them) and leaves b empty. */
char *tp_buf_take(tp_buf *b, size_t *len);

#endif
