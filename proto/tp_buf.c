/* tp_buf: growable byte buffers and the fatal-on-failure allocators every process uses. */
#include "tp_buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "level=fatal msg=\"out of memory allocating %zu bytes\"\n", n);
    abort();
}

void *tp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *tp_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    return p;
}

void *tp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *tp_xstrdup(const char *s)
{
    return tp_xstrndup(s, strlen(s));
}

char *tp_xstrndup(const char *s, size_t n)
{
    char *p = tp_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void tp_buf_reserve(tp_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len) out_of_memory(extra);
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    b->data = tp_xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0'; /* the promise of tp_buf.h, even before the first append */
}

void tp_buf_puts(tp_buf *b, const char *s)
{
    tp_buf_append(b, s, strlen(s));
}

void tp_buf_putc(tp_buf *b, char c)
{
    tp_buf_append(b, &c, 1);
}

void tp_buf_vprintf(tp_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(again);
        return;
    }
    if ((size_t)n < sizeof small) {
        tp_buf_append(b, small, (size_t)n);
    } else {
        tp_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void tp_buf_printf(tp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void tp_buf_reset(tp_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void tp_buf_free(tp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *tp_buf_take(tp_buf *b, size_t *len)
{
    if (!b->data) tp_buf_reserve(b, 0);
    char *p = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
