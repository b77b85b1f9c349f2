/* fields: account field validation (see fields.h). */
#include "fields.h"

#include <stdio.h>
#include <string.h>

#include "password.h"
#include "tp_utf8.h"

const char *fields_email(tp_str s)
{
    if (s.n == 0) return "Email is required.";
    if (tp_utf8_len(s.p, s.n) > EMAIL_MAX) return "Email must be at most 64 characters.";
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

const char *fields_username(tp_str s)
{
    if (s.n == 0 || s.n > USERNAME_MAX) return "Usernames have 1 to 32 characters.";
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.')))
            return "Usernames use letters, digits, '_', '-' and '.', and start with a letter or "
                   "digit.";
    }
    return NULL;
}

const char *fields_password(tp_str s)
{
    if (!tp_utf8_valid(s.p, s.n) || s.n > PASSWORD_MAX_BYTES)
        return "Passwords are at most 1024 bytes of text.";
    if (tp_utf8_len(s.p, s.n) < PASSWORD_MIN_CHARS)
        return "Password must be at least 8 characters.";
    return NULL;
}
