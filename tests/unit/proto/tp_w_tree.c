/* Unit tests for proto/tp_w_tree.c through tp_w_init_tree: a tree writer gives the values a byte
 * writer's message parses to, copies the strings it is given, references the objects it is
 * given, and grows past its arena blocks and value stack. */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "tp_msg.h"

/* Every kind of value, empty containers and the integer extremes among them; parsed is a value
 * from a parsed message that the writer takes with tp_w_object. */
static void write_every_kind(tp_w *w, const msgpack_object *parsed)
{
    tp_w_map_begin(w);
    tp_w_kstr(w, "title", "Parsing with care");
    tp_w_kstr(w, "empty", "");
    tp_w_kstr(w, "none", NULL);
    tp_w_kint(w, "zero", 0);
    tp_w_kint(w, "max", INT64_MAX);
    tp_w_kint(w, "min", INT64_MIN);
    tp_w_kint(w, "minus_one", -1);
    tp_w_kbool(w, "yes", true);
    tp_w_kbool(w, "no", false);
    tp_w_key(w, "half");
    tp_w_double(w, -0.5);
    tp_w_key(w, "raw");
    tp_w_bin(w, "\0\1\xff", 3);
    tp_w_key(w, "nothing");
    tp_w_nil(w);
    tp_w_key(w, "list");
    tp_w_array_begin(w);
    for (int i = 0; i < 3; i++) {
        tp_w_map_begin(w);
        tp_w_kint(w, "i", i);
        tp_w_key(w, "inner");
        tp_w_array_begin(w);
        tp_w_array_end(w);
        tp_w_map_end(w);
    }
    tp_w_map_begin(w);
    tp_w_map_end(w);
    tp_w_array_end(w);
    tp_w_kobject(w, "parsed", parsed);
    tp_w_kobject(w, "missing", NULL);
    tp_w_map_end(w);
}

static void parse_sample(tp_msg *m)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "user");
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "name", "J\xc3\xb6rg");
    tp_w_kint(&w, "id", 7);
    tp_w_map_end(&w);
    tp_w_map_end(&w);
    if (tp_msg_parse(m, w.buf.data, w.buf.len) != 0) abort();
    tp_w_free(&w);
}

static void a_tree_is_what_the_same_writes_as_bytes_parse_to(void)
{
    tp_msg sample, bytes;
    parse_sample(&sample);
    const msgpack_object *user = tp_map_get(sample.root, "user");
    tp_w as_bytes, as_tree;
    tp_w_init(&as_bytes);
    write_every_kind(&as_bytes, user);
    CHECK(tp_w_root(&as_bytes) == NULL); /* bytes have no tree */
    CHECK(tp_msg_parse(&bytes, as_bytes.buf.data, as_bytes.buf.len) == 0);
    tp_w_init_tree(&as_tree);
    write_every_kind(&as_tree, user);
    CHECK(as_tree.buf.len == 0);
    const msgpack_object *root = tp_w_root(&as_tree);
    CHECK(root && msgpack_object_equal(*root, *bytes.root));
    /* the types the readers check, as a parsed message has them */
    int64_t n = 0;
    CHECK(tp_get_int(root, "min", INT64_MIN, 0, &n) == 0 && n == INT64_MIN);
    CHECK(tp_get_int(root, "max", 0, INT64_MAX, &n) == 0 && n == INT64_MAX);
    CHECK(tp_map_get(root, "zero")->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    CHECK(tp_map_get(root, "minus_one")->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
    tp_str s = {0};
    CHECK(tp_get_str(root, "empty", 10, &s) == 0 && s.n == 0);
    CHECK(tp_map_get(root, "none")->type == MSGPACK_OBJECT_NIL);
    tp_w_free(&as_tree);
    tp_w_free(&as_bytes);
    tp_msg_free(&bytes);
    tp_msg_free(&sample);
}

/* String values are copied (a caller may pass a buffer on its stack); objects and keys are
 * referenced (they outlive the tree: a reply's, a literal). */
static void strings_are_copied_and_objects_and_keys_referenced(void)
{
    tp_msg sample;
    parse_sample(&sample);
    const msgpack_object *user = tp_map_get(sample.root, "user");
    char name[16];
    strcpy(name, "first");
    tp_w w;
    tp_w_init_tree(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "name", name);
    static const char user_key[] = "user";
    tp_w_kobject(&w, user_key, user);
    CHECK(tp_w_root(&w) == NULL); /* a map still open */
    tp_w_map_end(&w);
    strcpy(name, "later");
    const msgpack_object *root = tp_w_root(&w);
    tp_str s = {0};
    CHECK(tp_get_str(root, "name", 16, &s) == 0 && tp_str_eq(s, "first"));
    const msgpack_object *same = tp_map_get(root, "user");
    CHECK(same && same->type == MSGPACK_OBJECT_MAP && same->via.map.ptr == user->via.map.ptr);
    CHECK(root->via.map.ptr[1].key.via.str.ptr == user_key);
    tp_w_free(&w);
    CHECK(tp_w_root(&w) == NULL);
    tp_msg_free(&sample);
}

/* Many entries (the value stack grows) and text longer than an arena block. */
static void a_tree_grows_past_its_blocks(void)
{
    size_t long_n = 100 * 1024;
    char *text = malloc(long_n);
    memset(text, 'x', long_n);
    tp_w w;
    tp_w_init_tree(&w);
    tp_w_array_begin(&w);
    for (int i = 0; i < 5000; i++) {
        tp_w_map_begin(&w);
        tp_w_kint(&w, "i", i);
        tp_w_kstr(&w, "s", "some text that fills the arena");
        tp_w_map_end(&w);
    }
    tp_w_strn(&w, text, long_n);
    tp_w_array_end(&w);
    const msgpack_object *root = tp_w_root(&w);
    CHECK(root && root->type == MSGPACK_OBJECT_ARRAY && root->via.array.size == 5001);
    int64_t i = 0;
    CHECK(tp_get_int(&root->via.array.ptr[4999], "i", 0, 9999, &i) == 0 && i == 4999);
    const msgpack_object *last = &root->via.array.ptr[5000];
    CHECK(last->type == MSGPACK_OBJECT_STR && last->via.str.size == long_n &&
          memcmp(last->via.str.ptr, text, long_n) == 0);
    tp_w_free(&w);
    free(text);
}

static const check_case cases[] = {
    CASE(a_tree_is_what_the_same_writes_as_bytes_parse_to),
    CASE(strings_are_copied_and_objects_and_keys_referenced),
    CASE(a_tree_grows_past_its_blocks),
};

CHECK_MAIN("tp_w_tree", cases)
