/* fields: account field validation (see fields.h). */
#include "fields.h"

#include <stdio.h>
#include <string.h>

#include "password.h"
#include "tp_utf8.h"

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
