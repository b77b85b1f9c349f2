/* fuzz_markdown: libFuzzer target for svc-comments/markdown.c; a broken promise is a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "markdown_props.h"

static void fail(const char *why, const char *html, size_t n)
{
    fprintf(stderr, "fuzz_markdown: %s\nhtml (%zu bytes): %.2000s\n", why, n, html);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    tp_buf a = TP_BUF_INIT, b = TP_BUF_INIT;
    tp_buf_puts(&a, "<");
    tp_buf_puts(&b, "<");
    int rc = markdown_render(src, size, &a);
    int rc2 = markdown_render(src, size, &b);
    if (rc != rc2 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        fail("two renders of the same input differ", a.data, a.len);
    if (rc == 0) {
        if (size > MARKDOWN_SOURCE_MAX || !tp_utf8_valid(src, size))
            fail("rendered an input it must refuse", a.data, a.len);
        if (a.len - 1 > MARKDOWN_OUTPUT_MAX) fail("output past the cap", a.data, a.len);
        const char *why = markdown_props_violation(a.data + 1, a.len - 1);
        if (why) fail(why, a.data + 1, a.len - 1);
    } else if (rc != -1 || a.len != 1 || strcmp(a.data, "<") != 0) {
        fail("a refused render changed out or returned neither 0 nor -1", a.data, a.len);
    }
    tp_buf_free(&a);
    tp_buf_free(&b);
    return 0;
}
