/* fields: validation of what people type into account fields, with the messages shown next to
 * the field. Every check counts characters (code points), not bytes. */
#ifndef AUTH_FIELDS_H
#define AUTH_FIELDS_H

#include "tp_msg.h"

#define EMAIL_MAX          64
#define USERNAME_MAX       32
#define NAME_MAX_CHARS     64
#define LOCATION_MAX_CHARS 64
#define BIO_MAX_CHARS      2000

/* Each returns NULL when the value is fine, else the message for the form. The text checks
 * below name their field, so they write the message into the caller's buffer (a form keeps the
 * messages of several fields side by side). */
#define FIELDS_MESSAGE_MAX 128
const char *fields_email(tp_str s);
const char *fields_username(tp_str s);
const char *fields_password(tp_str s);
/* A single line of text of at most max characters (name, location). */
const char *fields_line(tp_str s, size_t max, const char *label, char message[FIELDS_MESSAGE_MAX]);
/* Multi-line text of at most max characters (bio). */
const char *fields_text(tp_str s, size_t max, const char *label, char message[FIELDS_MESSAGE_MAX]);

#endif
