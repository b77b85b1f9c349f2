/* fields: account field validation (see fields.h). */
#include "fields.h"

#include <pthread.h>
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

/* A text message names its field and limit, and the profile form keeps the messages of several
 * fields side by side, so none may live in a scratch buffer the next check overwrites. Each
 * distinct message is made once and kept for the process life; labels and limits are constants
 * in the code, so there are only a few. */
#define MESSAGES_MAX 32
static struct {
    const char *label;
    size_t max;
    bool too_long; /* else "contains characters that are not allowed" */
    char *text;
} messages[MESSAGES_MAX];
static size_t message_count;
static pthread_mutex_t messages_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *message(const char *label, size_t max, bool too_long)
{
    const char *text = too_long ? "This field is too long."
                                : "This field contains characters that are not allowed.";
    pthread_mutex_lock(&messages_lock);
    size_t i = 0;
    while (i < message_count && (messages[i].max != max || messages[i].too_long != too_long ||
                                 strcmp(messages[i].label, label) != 0))
        i++;
    if (i == message_count && i < MESSAGES_MAX) {
        char made[160];
        if (too_long)
            snprintf(made, sizeof made, "%s must be at most %zu characters.", label, max);
        else
            snprintf(made, sizeof made, "%s contains characters that are not allowed.", label);
        messages[i].label = tp_xstrdup(label);
        messages[i].max = max;
        messages[i].too_long = too_long;
        messages[i].text = tp_xstrdup(made);
        message_count++;
    }
    if (i < message_count) text = messages[i].text;
    pthread_mutex_unlock(&messages_lock);
    return text;
}

static const char *check_text(tp_str s, size_t max, const char *label, bool multiline)
{
    if (!tp_utf8_text(s.p, s.n) ||
        (!multiline && (memchr(s.p, '\n', s.n) || memchr(s.p, '\r', s.n))))
        return message(label, max, false);
    if (tp_utf8_len(s.p, s.n) > max) return message(label, max, true);
    return NULL;
}

const char *fields_line(tp_str s, size_t max, const char *label)
{
    return check_text(s, max, label, false);
}

const char *fields_text(tp_str s, size_t max, const char *label)
{
    return check_text(s, max, label, true);
}
