/* fields: validation of what people type into account fields, with the messages shown next to
 * the field. Every check counts characters (code points), not bytes. */
#ifndef AUTH_FIELDS_H
#define AUTH_FIELDS_H

#include "tp_msg.h"
#include "tp_text.h"

#define USERNAME_MAX       32
#define NAME_MAX_CHARS     64
#define LOCATION_MAX_CHARS 64
#define BIO_MAX_CHARS      2000

/* Each returns NULL when the value is fine, else the message for the form. Email and free text
 * (name, location, bio) go through tp_text_email and tp_text_check. */
const char *fields_username(tp_str s);
const char *fields_password(tp_str s);
#endif
