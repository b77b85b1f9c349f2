/* tp_w_tree: the tree a tp_w builds instead of bytes (tp_w_init_tree, tp_msg.h).
 *
 * Design notes: the gateway builds each page's data with tp_w and renders the template from it.
 * Written as msgpack bytes and parsed back, a page of 50 talks cost the gateway about a fifth of
 * its work in packing, copying and unpacking what it had just read from the services' replies.
 * A tree is the same msgpack_object values, built directly: scalars and strings are kept in the
 * tree's own arena (strings copied: a writer's caller may pass a buffer on its stack), a value
 * given with tp_w_object, and every key, is referenced, not copied (it must outlive the tree:
 * keys are literals, and the gateway's replies live as long as the request). Children wait on a
 * stack until their container closes, then move into one array in the arena. Only tp_msg.c calls
 * this. */
#ifndef TP_W_TREE_H
#define TP_W_TREE_H

#include <msgpack.h>
#include <stdbool.h>

typedef struct tp_w_tree tp_w_tree;

tp_w_tree *tp_w_tree_new(void);
void tp_w_tree_free(tp_w_tree *t);
/* A value (a scalar, or an object referenced as it is). */
void tp_w_tree_value(tp_w_tree *t, msgpack_object o);
/* A string or bin value (type), its n bytes copied. */
void tp_w_tree_bytes(tp_w_tree *t, msgpack_object_type type, const void *p, size_t n);
/* A map or array opens; the values until its close are its entries (a map's: key, value, ...). */
void tp_w_tree_open(tp_w_tree *t);
void tp_w_tree_close(tp_w_tree *t, bool is_map);
/* The one value written at the top, once every container is closed; NULL before. */
const msgpack_object *tp_w_tree_root(const tp_w_tree *t);

#endif
