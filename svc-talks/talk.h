/* talk: a talk's fields as svc-talks validates, stores and sends them. */
#ifndef TALKS_TALK_H
#define TALKS_TALK_H

#include <stdint.h>

#include "tp_embed.h"
#include "tp_msg.h"
#include "tp_text.h"

#define TITLE_MAX_CHARS       128
#define DESCRIPTION_MAX_CHARS 5000
#define VENUE_MAX_CHARS       128
#define VENUE_URL_MAX         128
#define DATE_LEN              10

/* What a speaker typed, validated: text fields point into the request message. */
typedef struct talk_input {
    tp_str title, description, venue, venue_url, date;
    tp_embed slides, video; /* provider "" when there is none */
} talk_input;

/* The form's field names, in the order errors are reported. */
#define TALK_FIELDS(X) X(title) X(description) X(slides) X(video) X(venue) X(venue_url) X(date)

enum talk_field {
#define TALK_FIELD_ENUM(name) TALK_FIELD_##name,
    TALK_FIELDS(TALK_FIELD_ENUM)
#undef TALK_FIELD_ENUM
        TALK_FIELD_COUNT
};

typedef struct talk_errors {
    const char *message[TALK_FIELD_COUNT]; /* NULL when the field is fine */
    char buffer[TALK_FIELD_COUNT][TP_TEXT_MESSAGE_MAX];
} talk_errors;

/* Reads and validates the talk fields of a request. Returns -1 when the message itself is
 * malformed (a field missing or not text), 0 otherwise; *errors says which fields are wrong and
 * talk_errors_any tells if any is. */
int talk_input_read(const msgpack_object *msg, talk_input *in, talk_errors *errors);
bool talk_errors_any(const talk_errors *errors);
/* Writes {"fields": {name: message, …}} for the wrong fields. */
void talk_errors_write(const talk_errors *errors, tp_w *w);
/* True when s is a real calendar date written YYYY-MM-DD (years 1900 to 2999). */
bool talk_date_valid(tp_str s);

#endif
