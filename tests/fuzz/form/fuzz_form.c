/* fuzz_form: libFuzzer target for what browsers send (gateway/form.c): forms, query strings,
 * cookies, redirect targets, Basic and Bearer headers. A parse either fails cleanly or gives
 * values that keep their promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "tp_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    form f;
    if (form_parse(s, size, &f) == FORM_OK) {
        for (size_t i = 0; i < f.count; i++)
            if (!tp_utf8_valid(f.fields[i].value, f.fields[i].value_len) ||
                memchr(f.fields[i].value, '\0', f.fields[i].value_len))
                abort();
        form_free(&f);
    }
    if (form_parse_query(s, size, (const char *const[]){"page", NULL}, &f) == FORM_OK) {
        for (size_t i = 0; i < f.count; i++)
            if (!tp_utf8_valid(f.fields[i].value, f.fields[i].value_len) ||
                memchr(f.fields[i].value, '\0', f.fields[i].value_len))
                abort();
        form_free(&f);
    }
    const char *val;
    size_t n;
    if (cookie_find(s, size, "talks_session", &val, &n) && (val < s || val + n > s + size)) abort();
    if (form_is_local_path(s, size) && (size < 1 || s[0] != '/' || (size > 1 && s[1] == '/') ||
                                        memchr(s, '\\', size) || memchr(s, '\n', size)))
        abort();
    char *user = NULL, *password = NULL;
    if (http_basic_parse(s, size, &user, &password)) {
        free(user);
        free(password);
    }
    const char *tok;
    if (http_bearer_parse(s, size, &tok, &n) && (tok < s || tok + n > s + size)) abort();
    char *z = malloc(size + 1);
    memcpy(z, s, size);
    z[size] = '\0';
    int page = form_page_number(z, 1000);
    if (page < 1 || page > 1000) abort();
    free(z);
    return 0;
}
