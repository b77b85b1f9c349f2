/* transfer: talks out and in (see transfer.h). An imported talk passes the checks of the talk
 * form (talk_input_read): slides and video are read again through the embed rules, so a file
 * can name a page to link to but never an iframe address of its own. import-flask's rows carry
 * a key ("flask-talk-<id>"), recorded like a creation's, so a second run adds nothing. */
#include "transfer.h"

#include "store.h"
#include "tp_transfer.h"

static const char *const talk_keys[] = {
    "id",     "author_id", "title",      "description", "venue", "venue_url", "date",
    "slides", "video",     "created_at", "updated_at",  "key",   NULL};

tp_err transfer_export(tp_call *c)
{
    return store_talks_export(c->db, tp_export_after(c), c->out)
               ? tp_fail(c, TP_EINTERNAL, "database error")
               : TP_OK;
}

/* The first of the form's messages, for the one line talksctl shows. */
static const char *first_error(const talk_errors *errors)
{
    for (int i = 0; i < TALK_FIELD_COUNT; i++)
        if (errors->message[i]) return errors->message[i];
    return NULL;
}

static tp_err add_row(tp_call *c, tp_import *im, uint32_t i)
{
    const msgpack_object *row = &im->rows->via.array.ptr[i];
    talk_row r;
    talk_errors errors;
    tp_str key;
    tp_err e = tp_import_keys(c, "talk", row, talk_keys);
    if (e != TP_OK) return e;
    if (tp_get_int(row, "id", 1, INT64_MAX, &r.id) ||
        tp_get_int(row, "author_id", 1, INT64_MAX, &r.author_id) ||
        tp_get_int(row, "created_at", 0, TP_TRANSFER_TIME_MAX, &r.created_at) ||
        tp_get_int(row, "updated_at", 0, TP_TRANSFER_TIME_MAX, &r.updated_at) ||
        tp_opt_str(row, "key", 64, &key) || talk_input_read(row, &r.in, &errors))
        return tp_import_refuse(c, TP_EINVAL, "talk", row,
                                "a field is missing, of the wrong type or out of range");
    if (talk_errors_any(&errors))
        return tp_import_refuse(c, TP_EINVAL, "talk", row, first_error(&errors));
    return tp_import_stored(
        c, store_talk_import(c->db, &r, key, im->merge, &im->ids[i], &im->added[i]), "talk", row);
}

static const tp_import_table talks = {"talks", store_talks_count, add_row};

tp_err transfer_import(tp_call *c)
{
    return tp_import_op(c, &talks);
}
