/* tp_text: text field checks (see tp_text.h). */
#include "tp_text.h"

#include <stdio.h>
#include <string.h>

#include "tp_utf8.h"

static bool blank(tp_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\n' && s.p[i] != '\r') return false;
    return true;
}

const char *tp_text_check(tp_str s, size_t max_chars, const char *label, unsigned flags,
                          char message[TP_TEXT_MESSAGE_MAX])
{
    if (!tp_utf8_text(s.p, s.n) ||
        (!(flags & TP_TEXT_MULTILINE) && (memchr(s.p, '\n', s.n) || memchr(s.p, '\r', s.n)))) {
        snprintf(message, TP_TEXT_MESSAGE_MAX, "%s contains characters that are not allowed.",
                 label);
        return message;
    }
    if ((flags & TP_TEXT_REQUIRED) && blank(s)) {
        snprintf(message, TP_TEXT_MESSAGE_MAX, "%s is required.", label);
        return message;
    }
    if (tp_utf8_len(s.p, s.n) > max_chars) {
        snprintf(message, TP_TEXT_MESSAGE_MAX, "%s must be at most %zu characters.", label,
                 max_chars);
        return message;
    }
    return NULL;
}
