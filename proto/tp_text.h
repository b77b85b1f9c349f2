/* tp_text: the check every text field a person types goes through — valid UTF-8, no control
 * characters (newlines only where the field has lines), a limit counted in characters — with
 * the message shown next to the field. */
#ifndef TP_TEXT_H
#define TP_TEXT_H

#include "tp_msg.h"

#define TP_TEXT_MESSAGE_MAX 128
#define TP_EMAIL_MAX        64 /* characters */

enum tp_text_flags {
    TP_TEXT_REQUIRED = 1,  /* empty (or only white space) is an error */
    TP_TEXT_MULTILINE = 2, /* \n and \r are allowed */
};

/* NULL when s is fine; else message, filled with a sentence naming label ("Title is required.",
 * "Bio must be at most 2000 characters.", …). The caller owns message, so a form can keep the
 * messages of several fields side by side. */
const char *tp_text_check(tp_str s, size_t max_chars, const char *label, unsigned flags,
                          char message[TP_TEXT_MESSAGE_MAX]);

/* NULL for a plausible email address of at most TP_EMAIL_MAX characters (one '@', a dotted
 * domain, no spaces, quotes, brackets or control characters), else the message for the form. */
const char *tp_text_email(tp_str s);

#endif
