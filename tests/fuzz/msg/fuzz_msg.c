/* fuzz_msg: libFuzzer target for the bus message reader (proto/tp_msg.c, proto/tp_decode.c):
 * whatever bytes arrive, parsing and every typed getter end cleanly, what parses is what
 * msgpack-c's own unpacker reads from the same bytes, and it re-encodes and parses again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The encoding msgpack-c's packer gives o (compared as bytes: a NaN is not equal to itself). */
static void pack(const msgpack_object *o, tp_buf *out)
{
    msgpack_packer pk;
    tp_packer_init(&pk, out);
    msgpack_pack_object(&pk, *o);
}

/* tp_decode read what msgpack-c reads (run only on bytes tp_decode took: msgpack-c would allocate
 * for a container's claimed size before finding the bytes missing). */
static void same_as_msgpack_c(const uint8_t *data, size_t size, const msgpack_object *ours)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, (const char *)data, size, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != size)
        abort();
    tp_buf a = TP_BUF_INIT, b = TP_BUF_INIT;
    pack(ours, &a);
    pack(&up.data, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort();
    tp_buf_free(&a);
    tp_buf_free(&b);
    msgpack_unpacked_destroy(&up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_msg m, again;
    if (tp_msg_parse(&m, data, size) != 0) return 0;
    const msgpack_object *root = m.root;
    same_as_msgpack_c(data, size, root);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object_kv *kv = &root->via.map.ptr[i];
        char key[64];
        size_t n = kv->key.via.str.size < sizeof key - 1 ? kv->key.via.str.size : sizeof key - 1;
        if (n) memcpy(key, kv->key.via.str.ptr, n); /* an empty key has no pointer */
        key[n] = '\0';
        tp_str s;
        int64_t v;
        bool b;
        tp_get_str(root, key, 1024, &s);
        tp_get_int(root, key, INT64_MIN, INT64_MAX, &v);
        tp_get_bool(root, key, &b);
        tp_opt_str(root, key, 16, &s);
        tp_opt_int(root, key, 0, 10, 0, &v);
        tp_w_keyn(&w, kv->key.via.str.ptr, kv->key.via.str.size);
        tp_w_object(&w, &kv->val);
    }
    tp_w_map_end(&w);
    if (tp_msg_parse(&again, w.buf.data, w.buf.len) != 0) abort(); /* what we read we can write */
    tp_msg_free(&again);
    tp_w_free(&w);
    tp_msg_free(&m);
    return 0;
}
