/* Unit tests for gateway/request_id.c: which X-Request-Id is taken as the request's id. */
#include <string.h>

#include "../check.h"
#include "../../../gateway/request_id.h"

static bool plain(const char *s)
{
    return request_id_is_plain(s, strlen(s));
}

static void a_plain_token_of_at_most_64_characters_is_taken(void)
{
    CHECK(plain("abc-123"));
    CHECK(plain("a"));
    CHECK(plain("A.b_C-9"));
    CHECK(plain("3f2a9c1e-8b7d-4c6e-9f0a-1b2c3d4e5f60")); /* a UUID */
    char id[65];
    memset(id, 'x', 64);
    id[64] = '\0';
    CHECK(plain(id));
}

static void anything_else_is_not(void)
{
    const char *bad[] = {"",         "a b", "abc\n",    "a\r\nSet-Cookie: x=1",
                         "a\"b",     "a=b", "a/b",      "a:b",
                         "a,b",      "a;b", "\xc3\xa9", "a\tb",
                         "rid=\"x\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!plain(bad[i]));
    CHECK(!request_id_is_plain("a\0b", 3));
    char id[66];
    memset(id, 'x', 65);
    id[65] = '\0';
    CHECK(!plain(id)); /* 65: too long */
}

/* The id request_id_of gives a request with these X-Request-Id headers (NULL: none). */
static void id_of(const char *first, const char *second, char *out)
{
    h2o_req_t req;
    memset(&req, 0, sizeof req);
    h2o_mem_init_pool(&req.pool);
    if (first)
        h2o_add_header_by_str(&req.pool, &req.headers, H2O_STRLIT("x-request-id"), 0, NULL, first,
                              strlen(first));
    if (second)
        h2o_add_header_by_str(&req.pool, &req.headers, H2O_STRLIT("x-request-id"), 0, NULL, second,
                              strlen(second));
    request_id_of(&req, out);
    h2o_mem_clear_pool(&req.pool);
}

static bool is_new_id(const char *s)
{
    if (strlen(s) != REQUEST_ID_NEW_LEN) return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s)) return false;
    return true;
}

static void the_incoming_id_is_kept_when_plain_and_replaced_otherwise(void)
{
    char out[REQUEST_ID_MAX + 1], other[REQUEST_ID_MAX + 1];
    id_of("abc-123", NULL, out);
    CHECK_STR_EQ(out, "abc-123");
    id_of("abc-123", "def", out); /* the first one */
    CHECK_STR_EQ(out, "abc-123");
    id_of(NULL, NULL, out);
    CHECK(is_new_id(out));
    id_of(NULL, NULL, other);
    CHECK(is_new_id(other) && strcmp(out, other) != 0);
    id_of("two words", NULL, out);
    CHECK(is_new_id(out));
    id_of("x\nlevel=error", NULL, out);
    CHECK(is_new_id(out));
    char longer[100];
    memset(longer, 'a', 65);
    longer[65] = '\0';
    id_of(longer, NULL, out);
    CHECK(is_new_id(out));
    id_of("", NULL, out);
    CHECK(is_new_id(out));
}

static const check_case cases[] = {
    CASE(a_plain_token_of_at_most_64_characters_is_taken),
    CASE(anything_else_is_not),
    CASE(the_incoming_id_is_kept_when_plain_and_replaced_otherwise),
};

CHECK_MAIN("request_id", cases)
