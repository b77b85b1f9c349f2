/* Unit tests for gateway/template.c: the official Mustache spec cases we support, then our rules.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "tp_buf.h"
#include "tp_msg.h"
#include "tp_json.h"
#include "tp_template.h"

/* ---- helpers ---- */

/* JSON text as msgpack, unpacked; free with msgpack_unpacked_destroy and tp_buf_free. */
static bool unpack_json(const char *json, size_t len, tp_buf *bytes, msgpack_unpacked *up)
{
    char err[200];
    if (json_to_msgpack(json, len, bytes, err, sizeof err) < 0) {
        fprintf(stderr, "  bad test JSON: %s\n", err);
        return false;
    }
    msgpack_unpacked_init(up);
    if (msgpack_unpack_next(up, bytes->data, bytes->len, NULL) != MSGPACK_UNPACK_SUCCESS) {
        fprintf(stderr, "  msgpack from json_to_msgpack does not unpack\n");
        msgpack_unpacked_destroy(up);
        return false;
    }
    return true;
}

/* Compiles "main" from tpl and the partials (name, source pairs ending in NULL), links, and
 * renders it with the JSON data. Returns the output (caller frees) or NULL, printing the error. */
static char *render_with(const char *tpl, const char *json, const char *const *partials)
{
    char err[256];
    tpl_set *set = tpl_set_new();
    char *result = NULL;
    int rc = tpl_add(set, "main", tpl, strlen(tpl), err, sizeof err);
    for (size_t i = 0; rc == 0 && partials && partials[i]; i += 2)
        rc = tpl_add(set, partials[i], partials[i + 1], strlen(partials[i + 1]), err, sizeof err);
    if (rc == 0) rc = tpl_link(set, err, sizeof err);
    if (rc < 0) fprintf(stderr, "  load failed: %s\n", err);
    tp_buf bytes = TP_BUF_INIT;
    msgpack_unpacked up;
    if (rc == 0 && unpack_json(json, strlen(json), &bytes, &up)) {
        tp_buf out = TP_BUF_INIT;
        tp_buf_append(&out, "", 0); /* NUL-terminated even when nothing is rendered */
        if (tpl_render(set, "main", &up.data, &out) == 0) result = tp_buf_take(&out, NULL);
        msgpack_unpacked_destroy(&up);
    }
    tp_buf_free(&bytes);
    tpl_free(set);
    return result;
}

static bool renders_as(const char *tpl, const char *json, const char *want)
{
    char *got = render_with(tpl, json, NULL);
    bool ok = got && strcmp(got, want) == 0;
    if (!ok) fprintf(stderr, "  template %s\n    got:  %s\n    want: %s\n", tpl, got, want);
    free(got);
    return ok;
}

/* tpl_add on src fails with a message starting with want_prefix (name:line:col: ...). */
static bool refused_at_load(const char *src, const char *want_prefix)
{
    char err[256] = "";
    tpl_set *set = tpl_set_new();
    int rc = tpl_add(set, "page", src, strlen(src), err, sizeof err);
    bool ok =
        rc == -1 && strncmp(err, want_prefix, strlen(want_prefix)) == 0 && !tpl_has(set, "page");
    if (!ok)
        fprintf(stderr, "  template %s\n    rc %d, err: %s\n    want: %s…\n", src, rc, err,
                want_prefix);
    tpl_free(set);
    return ok;
}

/* ---- the official spec (github.com/mustache/spec at 9cb20c3, MIT, see mustache-spec/) ----
 *
 * We run every case of interpolation, sections, inverted, comments and partials. Skipped
 * entirely: delimiters.json (set-delimiter tags are refused), ~lambdas.json (msgpack has no
 * functions), ~dynamic-names.json and ~inheritance.json (not supported). No case in the files we
 * run relies on the empty string being truthy, so none is skipped for that deviation.
 * The cases below do not render as the spec says, on purpose, and are checked to fail the way we
 * want instead: */
enum spec_outcome { REFUSED_RAW, REFUSED_MISSING_PARTIAL };
static const struct spec_exception {
    const char *file, *name;
    enum spec_outcome outcome;
} spec_exceptions[] = {
    /* A raw tag ({{{x}}} or {{&x}}) on a name not ending in _html is refused by tpl_add (our XSS
     * guard); the raw behaviour itself is tested below with *_html names. */
    {"interpolation", "Triple Mustache", REFUSED_RAW},
    {"interpolation", "Ampersand", REFUSED_RAW},
    {"interpolation", "Triple Mustache Integer Interpolation", REFUSED_RAW},
    {"interpolation", "Ampersand Integer Interpolation", REFUSED_RAW},
    {"interpolation", "Triple Mustache Decimal Interpolation", REFUSED_RAW},
    {"interpolation", "Ampersand Decimal Interpolation", REFUSED_RAW},
    {"interpolation", "Triple Mustache Null Interpolation", REFUSED_RAW},
    {"interpolation", "Ampersand Null Interpolation", REFUSED_RAW},
    {"interpolation", "Triple Mustache Context Miss Interpolation", REFUSED_RAW},
    {"interpolation", "Ampersand Context Miss Interpolation", REFUSED_RAW},
    {"interpolation", "Dotted Names - Triple Mustache Interpolation", REFUSED_RAW},
    {"interpolation", "Dotted Names - Ampersand Interpolation", REFUSED_RAW},
    {"interpolation", "Implicit Iterators - Triple Mustache", REFUSED_RAW},
    {"interpolation", "Implicit Iterators - Ampersand", REFUSED_RAW},
    {"interpolation", "Triple Mustache - Surrounding Whitespace", REFUSED_RAW},
    {"interpolation", "Ampersand - Surrounding Whitespace", REFUSED_RAW},
    {"interpolation", "Triple Mustache - Standalone", REFUSED_RAW},
    {"interpolation", "Ampersand - Standalone", REFUSED_RAW},
    {"interpolation", "Triple Mustache With Padding", REFUSED_RAW},
    {"interpolation", "Ampersand With Padding", REFUSED_RAW},
    {"sections", "Implicit Iterator - Triple mustache", REFUSED_RAW},
    {"sections", "Implicit Iterator - Ampersand", REFUSED_RAW},
    /* Its partial holds {{{content}}}; the same case with content_html is our own test below. */
    {"partials", "Standalone Indentation", REFUSED_RAW},
    /* The spec renders a missing partial as ""; tpl_link refuses it (a typo stops the start). */
    {"partials", "Failed Lookup", REFUSED_MISSING_PARTIAL},
};

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key) &&
            memcmp(kv->key.via.str.ptr, key, strlen(key)) == 0)
            return &kv->val;
    }
    return NULL;
}

static bool is_str(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_STR;
}

static const struct spec_exception *spec_exception_for(const char *file, const msgpack_object *name)
{
    for (size_t i = 0; i < sizeof spec_exceptions / sizeof spec_exceptions[0]; i++) {
        const struct spec_exception *e = &spec_exceptions[i];
        if (strcmp(e->file, file) == 0 && strlen(e->name) == name->via.str.size &&
            memcmp(e->name, name->via.str.ptr, name->via.str.size) == 0)
            return e;
    }
    return NULL;
}

/* One spec case: 1 if it behaved as it should (rendered as expected, or was refused as listed). */
static bool run_spec_case(const char *file, const msgpack_object *test)
{
    const msgpack_object *name = get(test, "name"), *data = get(test, "data"),
                         *tpl = get(test, "template"), *expected = get(test, "expected"),
                         *partials = get(test, "partials");
    if (!is_str(name) || !data || !is_str(tpl) || !is_str(expected)) {
        fprintf(stderr, "  %s: malformed test entry\n", file);
        return false;
    }
    const struct spec_exception *exc = spec_exception_for(file, name);
    char err[256] = "";
    tpl_set *set = tpl_set_new();
    int add_rc =
        tpl_add(set, "spec-template", tpl->via.str.ptr, tpl->via.str.size, err, sizeof err);
    for (uint32_t i = 0; partials && i < partials->via.map.size; i++) {
        const msgpack_object_kv *kv = &partials->via.map.ptr[i];
        char pname[64];
        snprintf(pname, sizeof pname, "%.*s", (int)kv->key.via.str.size, kv->key.via.str.ptr);
        if (add_rc == 0)
            add_rc =
                tpl_add(set, pname, kv->val.via.str.ptr, kv->val.via.str.size, err, sizeof err);
    }
    int link_rc = add_rc == 0 ? tpl_link(set, err, sizeof err) : -1;
    bool ok;
    if (exc && exc->outcome == REFUSED_RAW) {
        ok = add_rc == -1 && strstr(err, "_html");
    } else if (exc && exc->outcome == REFUSED_MISSING_PARTIAL) {
        ok = add_rc == 0 && link_rc == -1 && strstr(err, "missing partial");
    } else if (link_rc < 0) {
        ok = false;
    } else {
        tp_buf out = TP_BUF_INIT;
        ok = tpl_render(set, "spec-template", data, &out) == 0 &&
             out.len == expected->via.str.size &&
             (out.len == 0 || memcmp(out.data, expected->via.str.ptr, out.len) == 0);
        if (!ok)
            fprintf(stderr, "  got:  \"%s\"\n  want: \"%.*s\"\n", out.data ? out.data : "",
                    (int)expected->via.str.size, expected->via.str.ptr);
        tp_buf_free(&out);
    }
    if (!ok)
        fprintf(stderr, "  spec %s \"%.*s\" failed (%s)\n", file, (int)name->via.str.size,
                name->via.str.ptr, err);
    tpl_free(set);
    return ok;
}

/* Runs every case of mustache-spec/<file>.json, which must hold want_cases cases. The data
 * directory is found beside this source file (tests run from the repository root). */
static void run_spec_file(const char *file, uint32_t want_cases)
{
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    char path[512];
    snprintf(path, sizeof path, "%.*smustache-spec/%s.json", slash ? (int)(slash - src + 1) : 0,
             src, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s (run from the repository root)\n", path);
        CHECK(f != NULL);
        return;
    }
    tp_buf json = TP_BUF_INIT;
    char block[4096];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0) tp_buf_append(&json, block, n);
    fclose(f);

    tp_buf bytes = TP_BUF_INIT;
    msgpack_unpacked up;
    bool parsed = unpack_json(json.data, json.len, &bytes, &up);
    CHECK(parsed);
    if (parsed) {
        const msgpack_object *tests = get(&up.data, "tests");
        CHECK(tests && tests->type == MSGPACK_OBJECT_ARRAY);
        if (tests && tests->type == MSGPACK_OBJECT_ARRAY) {
            if (tests->via.array.size != want_cases)
                fprintf(stderr, "  %s.json holds %u cases, want %u\n", file, tests->via.array.size,
                        want_cases);
            CHECK(tests->via.array.size == want_cases);
            uint32_t passed = 0;
            for (uint32_t i = 0; i < tests->via.array.size; i++)
                passed += run_spec_case(file, &tests->via.array.ptr[i]);
            CHECK(passed == tests->via.array.size);
        }
        msgpack_unpacked_destroy(&up);
    }
    tp_buf_free(&bytes);
    tp_buf_free(&json);
}

static void spec_interpolation_cases_pass_or_are_refused_as_listed(void)
{
    run_spec_file("interpolation", 42);
}

static void spec_section_cases_pass_or_are_refused_as_listed(void)
{
    run_spec_file("sections", 34);
}

static void spec_inverted_section_cases_pass(void)
{
    run_spec_file("inverted", 22);
}

static void spec_comment_cases_pass(void)
{
    run_spec_file("comments", 12);
}

static void spec_partial_cases_pass_or_are_refused_as_listed(void)
{
    run_spec_file("partials", 12);
}

/* ---- our own rules ---- */

static void escaping_covers_all_five_characters(void)
{
    CHECK(renders_as("{{x}}", "{\"x\": \"a&b<c>d\\\"e'f\"}", "a&amp;b&lt;c&gt;d&quot;e&#39;f"));
    CHECK(renders_as("<a title=\"{{x}}\">", "{\"x\": \"\\\"><script>'\"}",
                     "<a title=\"&quot;&gt;&lt;script&gt;&#39;\">"));
    CHECK(renders_as("{{x}}", "{\"x\": \"plain text, é ü\"}", "plain text, é ü"));
}

/* What escaping must give, a byte at a time. */
static void escape_by_hand(tp_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *entity = c == '&'    ? "&amp;"
                             : c == '<'  ? "&lt;"
                             : c == '>'  ? "&gt;"
                             : c == '"'  ? "&quot;"
                             : c == '\'' ? "&#39;"
                                         : NULL;
        if (entity)
            tp_buf_puts(out, entity);
        else
            tp_buf_append(out, &c, 1);
    }
}

/* The escaper reads sixteen bytes at a time where it can: a character to escape is found
 * wherever it falls in or across those blocks, in the last bytes short of one, next to
 * another or alone, among NULs and bytes past 0x7f; and text appended after what the buffer
 * holds already. */
static void escaping_finds_each_character_wherever_it_falls(void)
{
    static const char specials[] = "&<>\"'";
    char text[80];
    int wrong = 0;
    unsigned seed = 23;
    for (size_t n = 0; n <= sizeof text; n++) {
        for (size_t at = 0; at < n + 1 && at < sizeof text; at++) {
            for (int k = 0; k < 5; k++) {
                for (size_t i = 0; i < n; i++) {
                    seed = seed * 1103515245u + 12345u;
                    unsigned r = (seed >> 16) & 0xff;
                    /* mostly plain, at times a NUL, a high byte or another special */
                    text[i] = r < 8    ? '\0'
                              : r < 24 ? (char)(0x80 | r)
                              : r < 28 ? specials[r % 5]
                                       : (char)('a' + r % 26);
                }
                if (at < n) text[at] = specials[k];
                tp_buf got = TP_BUF_INIT, want = TP_BUF_INIT;
                tp_buf_puts(&got, "before|");
                tp_buf_puts(&want, "before|");
                tpl_escape(&got, text, n);
                escape_by_hand(&want, text, n);
                if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) wrong++;
                tp_buf_free(&got);
                tp_buf_free(&want);
            }
        }
    }
    CHECK(wrong == 0);
}

static void raw_tag_on_a_non_html_name_is_refused_at_load_with_position(void)
{
    CHECK(refused_at_load("<p>\n  {{{body}}}</p>", "page:2:3: raw tag on 'body'"));
    CHECK(refused_at_load("x {{& body}}", "page:1:3: raw tag on 'body'"));
    CHECK(refused_at_load("{{{.}}}", "page:1:1: raw tag on '.'"));
    CHECK(refused_at_load("{{{body_html.x}}}", "page:1:1: raw tag"));
    CHECK(refused_at_load("{{{html}}}", "page:1:1: raw tag"));
}

static void raw_tag_on_an_html_name_is_not_escaped(void)
{
    CHECK(renders_as("{{{body_html}}}|{{& post.body_html}}|{{{ body_html }}}",
                     "{\"body_html\": \"<b>&amp;</b>\", \"post\": {\"body_html\": \"<i>\"}}",
                     "<b>&amp;</b>|<i>|<b>&amp;</b>"));
}

static void missing_partial_is_refused_by_link_naming_template_and_partial(void)
{
    char err[256] = "";
    tpl_set *set = tpl_set_new();
    CHECK(tpl_add(set, "page", "a\n {{> footer}}\n", 16, err, sizeof err) == 0);
    CHECK(tpl_link(set, err, sizeof err) == -1);
    CHECK_STR_EQ(err, "page:2:2: missing partial 'footer'");
    tpl_free(set);
}

static void self_recursive_partial_stops_at_the_depth_or_expansion_limit(void)
{
    char want[TPL_MAX_PARTIAL_DEPTH + 1];
    memset(want, 'x', TPL_MAX_PARTIAL_DEPTH);
    want[TPL_MAX_PARTIAL_DEPTH] = '\0';
    const char *self[] = {"r", "x{{>r}}", NULL};
    char *got = render_with("{{>r}}", "{}", self);
    CHECK_STR_EQ(got, want);
    free(got);
    /* Two partials calling each other, standalone so the indent grows at every level. */
    const char *mutual[] = {"a", "a\n {{>b}}\n", "b", "b\n {{>a}}\n", NULL};
    got = render_with("{{>a}}", "{}", mutual);
    CHECK(got && strlen(got) > 2 * TPL_MAX_PARTIAL_DEPTH && strncmp(got, "a\n b\n  a\n", 9) == 0);
    free(got);
    /* Including itself twice would mean 2^32 expansions without the budget. */
    const char *twice[] = {"r", "x{{>r}}{{>r}}", NULL};
    got = render_with("{{>r}}", "{}", twice);
    CHECK(got && strlen(got) == TPL_MAX_PARTIAL_EXPANSIONS);
    free(got);
}

static void template_with_10000_tags_compiles_and_renders(void)
{
    tp_buf src = TP_BUF_INIT, want = TP_BUF_INIT;
    for (int i = 0; i < 10000; i++) {
        tp_buf_puts(&src, i % 2 ? "{{v}}" : "{{#s}}{{n}}{{/s}}\n");
        tp_buf_puts(&want, i % 2 ? "&lt;" : "7\n");
    }
    char *got = render_with(src.data, "{\"v\": \"<\", \"s\": {\"n\": 7}}", NULL);
    CHECK_STR_EQ(got, want.data);
    free(got);
    tp_buf_free(&src);
    tp_buf_free(&want);
}

static void syntax_errors_are_refused_at_load_with_position(void)
{
    CHECK(refused_at_load("ab\ncd{{=<% %>=}}", "page:2:3: set-delimiter tags are not supported"));
    CHECK(refused_at_load("hello {{name", "page:1:7: unclosed tag"));
    CHECK(refused_at_load("{{{x_html}}", "page:1:1: unclosed tag"));
    CHECK(refused_at_load("{{#a}}\n{{/b}}", "page:2:1: '{{/b}}' closes section 'a' opened at 1:1"));
    CHECK(refused_at_load("x{{/a}}", "page:1:2: '{{/a}}' closes no section"));
    CHECK(refused_at_load("\n\n  {{#a}}{{#b}}{{/b}}", "page:3:3: unclosed section 'a'"));
    CHECK(refused_at_load("{{a b}}", "page:1:1: invalid name 'a b'"));
    CHECK(refused_at_load("{{}}", "page:1:1: invalid name ''"));
    CHECK(refused_at_load("{{a..b}}", "page:1:1: invalid name"));
    CHECK(refused_at_load("{{#}}{{/}}", "page:1:1: invalid section name"));
    CHECK(refused_at_load("{{>*dynamic}}", "page:1:1: invalid partial name"));
    CHECK(refused_at_load("{{<parent}}{{/parent}}", "page:1:1: template inheritance"));
    CHECK(refused_at_load("{{$block}}{{/block}}", "page:1:1: template inheritance"));
}

static void sections_nest_32_deep_and_33_is_refused(void)
{
    tp_buf src = TP_BUF_INIT;
    for (int i = 0; i < TPL_MAX_NESTING; i++) tp_buf_puts(&src, "{{#a}}");
    tp_buf_puts(&src, "{{x}}");
    for (int i = 0; i < TPL_MAX_NESTING; i++) tp_buf_puts(&src, "{{/a}}");
    char *got = render_with(src.data, "{\"a\": true, \"x\": 1}", NULL);
    CHECK_STR_EQ(got, "1");
    free(got);
    tp_buf_reset(&src);
    for (int i = 0; i <= TPL_MAX_NESTING; i++) tp_buf_puts(&src, "{{#a}}");
    CHECK(refused_at_load(src.data, "page:1:193: sections nested deeper than 32"));
    tp_buf_free(&src);
}

static void empty_string_is_falsey_and_zero_is_truthy(void)
{
    CHECK(renders_as("{{#s}}yes{{/s}}{{^s}}no{{/s}}", "{\"s\": \"\"}", "no"));
    CHECK(renders_as("{{#n}}yes{{/n}}{{^n}}no{{/n}}", "{\"n\": 0}", "yes"));
    CHECK(renders_as("{{#n}}yes{{/n}}{{^n}}no{{/n}}", "{\"n\": 0.0}", "yes"));
    CHECK(renders_as("{{#m}}yes{{/m}}{{^m}}no{{/m}}", "{\"m\": {}}", "yes"));
    CHECK(renders_as("{{#s}}[{{.}}]{{/s}}", "{\"s\": \"text\"}", "[text]"));
}

static void values_render_as_decimal_numbers_and_words(void)
{
    CHECK(renders_as("{{a}} {{b}} {{c}} {{d}}",
                     "{\"a\": 0, \"b\": -42, \"c\": 18446744073709551615, "
                     "\"d\": -9223372036854775808}",
                     "0 -42 18446744073709551615 -9223372036854775808"));
    CHECK(renders_as("{{a}} {{b}} {{c}} {{d}}",
                     "{\"a\": 1.21, \"b\": 0.30000000000000004, "
                     "\"c\": 1e300, \"d\": -2.5}",
                     "1.21 0.30000000000000004 1e+300 -2.5"));
    CHECK(renders_as("[{{t}}|{{f}}|{{n}}|{{m}}|{{l}}]",
                     "{\"t\": true, \"f\": false, \"n\": null, \"m\": {\"k\": 1}, \"l\": [1]}",
                     "[true|false|||]"));
}

static void float32_values_render_shortest(void)
{
    tp_buf b = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &b);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "f", 1);
    msgpack_pack_float(&pk, 1.1f);
    msgpack_pack_str_with_body(&pk, "g", 1);
    msgpack_pack_float(&pk, -0.5f);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    CHECK(msgpack_unpack_next(&up, b.data, b.len, NULL) == MSGPACK_UNPACK_SUCCESS);
    tpl_set *set = tpl_set_new();
    char err[128];
    CHECK(tpl_add(set, "page", "{{f}} {{g}}", 11, err, sizeof err) == 0);
    tp_buf out = TP_BUF_INIT;
    CHECK(tpl_render(set, "page", &up.data, &out) == 0);
    CHECK_STR_EQ(out.data, "1.1 -0.5");
    tp_buf_free(&out);
    tpl_free(set);
    msgpack_unpacked_destroy(&up);
    tp_buf_free(&b);
}

static void standalone_partial_indents_its_lines_but_not_values(void)
{
    /* The spec's "Standalone Indentation" case with an _html name. */
    const char *p[] = {"partial", "|\n{{{content_html}}}\n|\n", NULL};
    char *got = render_with("\\\n {{>partial}}\n/\n", "{\"content_html\": \"<\\n->\"}", p);
    CHECK_STR_EQ(got, "\\\n |\n <\n->\n |\n/\n");
    free(got);
    /* Indents add up through nested standalone partials; standalone lines inside vanish. */
    const char *nested[] = {"outer", "o1\n  {{>inner}}\n{{#t}}\no2\n{{/t}}\n", "inner",
                            "i1\n{{v}}\ni2 {{#t}}x{{/t}}\n", NULL};
    got = render_with("<ul>\n  {{>outer}}\n</ul>\n", "{\"t\": true, \"v\": \"V\"}", nested);
    CHECK_STR_EQ(got, "<ul>\n  o1\n    i1\n    V\n    i2 x\n  o2\n</ul>\n");
    free(got);
    /* An inline partial inside an indented one is not indented. */
    const char *inl[] = {"a", "a1\n[{{>b}}]\n", "b", "b1\nb2", NULL};
    got = render_with("  {{>a}}\n", "{}", inl);
    CHECK_STR_EQ(got, "  a1\n  [b1\nb2]\n");
    free(got);
}

static void lookup_walks_the_context_stack_and_stops_at_broken_chains(void)
{
    CHECK(renders_as("{{#list}}{{name}}@{{site}} {{/list}}",
                     "{\"site\": \"s\", \"list\": [{\"name\": \"a\"}, {\"name\": \"b\", \"site\": "
                     "\"t\"}]}",
                     "a@s b@t "));
    CHECK(renders_as("{{#a}}[{{b.c}}]{{/a}}", "{\"a\": {\"b\": 1}, \"b\": {\"c\": 2}}", "[]"));
    CHECK(renders_as("{{#a}}{{x}}{{/a}}", "{\"a\": {\"x\": null}, \"x\": \"outer\"}", ""));
}

/* A name is looked for first where it was last found: items whose keys come in other orders, or
 * fewer of them, or none of the name (so it comes from the context around), still give their own
 * values. */
static void lookups_follow_each_maps_own_keys_whatever_the_last_one_held(void)
{
    CHECK(renders_as("{{#items}}{{a}}{{b}}{{c}};{{/items}}",
                     "{\"c\":\"C\",\"items\":[{\"a\":1,\"b\":2,\"c\":3},{\"c\":6,\"b\":5,\"a\":4},"
                     "{\"b\":8},{\"x\":0,\"y\":0,\"z\":0,\"a\":7},{\"a\":9,\"c\":null}]}",
                     "123;456;8C;7C;9;"));
}

static void render_of_an_unknown_template_fails_and_has_reports_it(void)
{
    tpl_set *set = tpl_set_new();
    char err[128];
    CHECK(tpl_add(set, "page", "hi {{x}}", 8, err, sizeof err) == 0);
    CHECK(tpl_add(set, "page", "again", 5, err, sizeof err) == -1);
    CHECK(tpl_link(set, err, sizeof err) == 0);
    CHECK(tpl_has(set, "page"));
    CHECK(!tpl_has(set, "pag"));
    tp_buf out = TP_BUF_INIT;
    CHECK(tpl_render(set, "nope", NULL, &out) == -1);
    CHECK(out.len == 0);
    CHECK(tpl_render(set, "page", NULL, &out) == 0);
    CHECK_STR_EQ(out.data, "hi ");
    tp_buf_free(&out);
    tpl_free(set);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
    CHECK(fclose(f) == 0);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(unlink(path) == 0);
}

static void load_dir_loads_mustache_files_and_reports_file_positions(void)
{
    char dir[] = "/tmp/talks-template-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    write_file(dir, "page.mustache", "<h1>{{title}}</h1>\n{{> footer}}\n");
    write_file(dir, "footer.mustache", "<footer>{{year}}</footer>\n");
    write_file(dir, "notes.txt", "{{{not a template}}}");
    char err[512] = "";
    tpl_set *set = tpl_load_dir(dir, err, sizeof err);
    CHECK(set != NULL);
    if (set) {
        CHECK(tpl_has(set, "page") && tpl_has(set, "footer") && !tpl_has(set, "notes"));
        tp_buf bytes = TP_BUF_INIT, out = TP_BUF_INIT;
        msgpack_unpacked up;
        const char *json = "{\"title\": \"T&C\", \"year\": 2024}";
        if (unpack_json(json, strlen(json), &bytes, &up)) {
            CHECK(tpl_render(set, "page", &up.data, &out) == 0);
            CHECK_STR_EQ(out.data, "<h1>T&amp;C</h1>\n<footer>2024</footer>\n");
            msgpack_unpacked_destroy(&up);
        }
        tp_buf_free(&bytes);
        tp_buf_free(&out);
        tpl_free(set);
    }

    write_file(dir, "broken.mustache", "ok\n  {{{raw}}}\n");
    CHECK(tpl_load_dir(dir, err, sizeof err) == NULL);
    char want[512];
    snprintf(want, sizeof want, "%s/broken.mustache:2:3: raw tag on 'raw'", dir);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    remove_file(dir, "broken.mustache");

    remove_file(dir, "footer.mustache");
    CHECK(tpl_load_dir(dir, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s/page.mustache:2:1: missing partial 'footer'", dir);
    CHECK_STR_EQ(err, want);

    remove_file(dir, "page.mustache");
    remove_file(dir, "notes.txt");
    CHECK(rmdir(dir) == 0);
    CHECK(tpl_load_dir(dir, err, sizeof err) == NULL);
    CHECK(strstr(err, dir) != NULL);
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(spec_interpolation_cases_pass_or_are_refused_as_listed),
    CASE(spec_section_cases_pass_or_are_refused_as_listed),
    CASE(spec_inverted_section_cases_pass),
    CASE(spec_comment_cases_pass),
    CASE(spec_partial_cases_pass_or_are_refused_as_listed),
    CASE(escaping_covers_all_five_characters),
    CASE(escaping_finds_each_character_wherever_it_falls),
    CASE(raw_tag_on_a_non_html_name_is_refused_at_load_with_position),
    CASE(raw_tag_on_an_html_name_is_not_escaped),
    CASE(missing_partial_is_refused_by_link_naming_template_and_partial),
    CASE(self_recursive_partial_stops_at_the_depth_or_expansion_limit),
    CASE(template_with_10000_tags_compiles_and_renders),
    CASE(syntax_errors_are_refused_at_load_with_position),
    CASE(sections_nest_32_deep_and_33_is_refused),
    CASE(empty_string_is_falsey_and_zero_is_truthy),
    CASE(values_render_as_decimal_numbers_and_words),
    CASE(float32_values_render_shortest),
    CASE(standalone_partial_indents_its_lines_but_not_values),
    CASE(lookup_walks_the_context_stack_and_stops_at_broken_chains),
    CASE(lookups_follow_each_maps_own_keys_whatever_the_last_one_held),
    CASE(render_of_an_unknown_template_fails_and_has_reports_it),
    CASE(load_dir_loads_mustache_files_and_reports_file_positions),
};

CHECK_MAIN("template", cases)
