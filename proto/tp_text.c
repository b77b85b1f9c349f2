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

const char *tp_text_email(tp_str s)
{
    if (s.n == 0) return "Email is required.";
    if (tp_utf8_len(s.p, s.n) > TP_EMAIL_MAX) return "Email must be at most 64 characters.";
    const char *at = memchr(s.p, '@', s.n);
    if (!at || at == s.p || memchr(at + 1, '@', s.n - (size_t)(at - s.p) - 1))
        return "Enter a valid email address.";
    const char *domain = at + 1;
    size_t dn = s.n - (size_t)(domain - s.p);
    if (dn < 3 || !memchr(domain, '.', dn) || domain[0] == '.' || domain[dn - 1] == '.')
        return "Enter a valid email address.";
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
            c == '\\' || c == '(' || c == ')' || c == '[' || c == ']')
            return "Enter a valid email address.";
    }
    return tp_utf8_valid(s.p, s.n) ? NULL : "Enter a valid email address.";
}
