/* fuzz_mail_header: libFuzzer target for header encoding (svc-mail/message.c): any text a person
 * typed becomes header content that is printable ASCII, folded only as CRLF + space, so it can
 * never end its header or start another. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "Subject: ");
    mail_header_text(&out, text);
    for (size_t i = 0; i < out.len; i++) {
        unsigned char c = (unsigned char)out.data[i];
        if (c == '\r') {
            if (i + 2 >= out.len || out.data[i + 1] != '\n' ||
                (out.data[i + 2] != ' ' && out.data[i + 2] != '\t'))
                abort();
            i++;
        } else if (c < 0x20 || c > 0x7e) {
            abort();
        }
    }
    tp_buf_free(&out);
    free(text);
    return 0;
}
