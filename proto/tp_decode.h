/* tp_decode: msgpack bytes into msgpack_object values, in one pass and bounded (tp_msg_parse).
 *
 * Design notes: messages were read in three passes: a walk that checked the encoding was safe to
 * give msgpack-c (which allocates room for a container's declared size before reading its
 * entries, so a 5-byte array32(16M) header would cost 512 MB), msgpack-c's unpacker, and a pass
 * that checked every map key was a string. Together they were a sixth of the gateway's work on
 * a page of talks. This reader does all three as it goes: a container whose entries, with those
 * the containers around it still owe, are more than the bytes that remain (each entry takes at
 * least one, a map's two) is refused before anything is allocated for it, so what a message can
 * make it allocate stays near 48 bytes for each of its bytes; so is nesting past max_depth, any ext
 * type (we send none), the reserved byte 0xc1 and a map key that is not a string. The values are
 * msgpack-c's msgpack_object, typed as its unpacker types them (an int8..int64 that is not negative
 * is a POSITIVE_INTEGER, a float32 a FLOAT32 holding the double), so every reader of them is
 * unchanged; the fuzz target tests/fuzz/msg compares the two on whatever it finds. */
#ifndef TP_DECODE_H
#define TP_DECODE_H

#include <msgpack.h>
#include <stddef.h>

#include "tp_arena.h"

/* The one value that is all of p[0..len) into *out: containers' entries allocated in arena,
 * strings and bins pointing into p. 0, or -1 when p is anything else or breaks a rule above. */
int tp_decode(const unsigned char *p, size_t len, int max_depth, tp_arena *arena,
              msgpack_object *out);

#endif
