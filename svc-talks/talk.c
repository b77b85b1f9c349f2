/* talk: validation of a talk's fields (see talk.h). */
#include "talk.h"

#include <stdio.h>
#include <string.h>

#include "tp_url.h"

static const char *const field_names[TALK_FIELD_COUNT] = {
#define TALK_FIELD_NAME(name) #name,
    TALK_FIELDS(TALK_FIELD_NAME)
#undef TALK_FIELD_NAME
};

bool talk_date_valid(tp_str s)
{
    if (s.n != DATE_LEN || s.p[4] != '-' || s.p[7] != '-') return false;
    int v[3] = {0, 0, 0}, at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++) {
        for (int i = 0; i < len[f]; i++) {
            char c = s.p[at[f] + i];
            if (c < '0' || c > '9') return false;
            v[f] = v[f] * 10 + (c - '0');
        }
    }
    int year = v[0], month = v[1], day = v[2];
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

static void set_error(talk_errors *e, enum talk_field f, const char *message)
{
    if (message == e->buffer[f] || !message) {
        e->message[f] = message;
        return;
    }
    snprintf(e->buffer[f], sizeof e->buffer[f], "%s", message);
    e->message[f] = e->buffer[f];
}

static void read_embed(tp_str s, tp_embed *out, talk_errors *e, enum talk_field f)
{
    char why[TP_TEXT_MESSAGE_MAX];
    memset(out, 0, sizeof *out);
    if (tp_embed_parse(s.p, s.n, out, why, sizeof why) < 0) {
        memset(out, 0, sizeof *out);
        set_error(e, f, why);
    }
}

int talk_input_read(const msgpack_object *msg, talk_input *in, talk_errors *e)
{
    tp_str slides, video;
    memset(e, 0, sizeof *e);
    /* Caps far above the limits: the limits are checked below, with a message for the form. */
    if (tp_get_str(msg, "title", 65536, &in->title) ||
        tp_get_str(msg, "description", 65536, &in->description) ||
        tp_get_str(msg, "venue", 65536, &in->venue) ||
        tp_get_str(msg, "venue_url", 65536, &in->venue_url) ||
        tp_get_str(msg, "date", 65536, &in->date) || tp_get_str(msg, "slides", 65536, &slides) ||
        tp_get_str(msg, "video", 65536, &video))
        return -1;
    set_error(e, TALK_FIELD_title,
              tp_text_check(in->title, TITLE_MAX_CHARS, "Title", TP_TEXT_REQUIRED,
                            e->buffer[TALK_FIELD_title]));
    set_error(e, TALK_FIELD_description,
              tp_text_check(in->description, DESCRIPTION_MAX_CHARS, "Description",
                            TP_TEXT_MULTILINE, e->buffer[TALK_FIELD_description]));
    set_error(e, TALK_FIELD_venue,
              tp_text_check(in->venue, VENUE_MAX_CHARS, "Venue", TP_TEXT_REQUIRED,
                            e->buffer[TALK_FIELD_venue]));
    if (in->venue_url.n > VENUE_URL_MAX)
        set_error(e, TALK_FIELD_venue_url, "Venue URL must be at most 128 characters.");
    else if (in->venue_url.n && !tp_url_is_http(in->venue_url.p, in->venue_url.n))
        set_error(e, TALK_FIELD_venue_url, "Enter an http:// or https:// address.");
    if (in->date.n == 0)
        set_error(e, TALK_FIELD_date, "Date is required.");
    else if (!talk_date_valid(in->date))
        set_error(e, TALK_FIELD_date, "Enter a real date as YYYY-MM-DD.");
    read_embed(slides, &in->slides, e, TALK_FIELD_slides);
    read_embed(video, &in->video, e, TALK_FIELD_video);
    return 0;
}

bool talk_errors_any(const talk_errors *e)
{
    for (int i = 0; i < TALK_FIELD_COUNT; i++)
        if (e->message[i]) return true;
    return false;
}

void talk_errors_write(const talk_errors *e, tp_w *w)
{
    tp_w_key(w, "fields");
    tp_w_map_begin(w);
    for (int i = 0; i < TALK_FIELD_COUNT; i++)
        if (e->message[i]) tp_w_kstr(w, field_names[i], e->message[i]);
    tp_w_map_end(w);
}
